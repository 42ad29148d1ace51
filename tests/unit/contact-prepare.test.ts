/**
 * Issue 14: contacts prepared ahead (while the receptionist reads an import's preview) carry the phone forms and index
 * texts the writer would compute itself.
 */
import { ContactPreparer } from '../../electron/storage/contact-prepare';
import { phoneForms } from '../../electron/storage/phone';
import type { ContactInput } from '../../electron/storage/types';

const people: ContactInput[] = [
  { firstName: 'Hélène', lastName: 'Dupré', company: 'Électricité Générale', department: 'Ventes', favorite: true,
    phones: [{ type: 'work', number: ' 01 45 67 89 01 ' }, { type: 'mobile', number: '+33 6 12 34 56 78' }, { type: 'extension', number: '1204' }],
    emails: ['helene@example.com', '  '], sourceId: 'uid-1', notes: 'Line 1\r\nLine 2, "quoted" 📞' },
  { name: 'Accueil', phones: [{ type: 'main', number: 'n/a' }, { type: 'other', number: '   ' }] },
  { company: 'Acme' },
  { emails: ['only@example.com'], title: 'Chef' },
  { firstName: 'Zoë', lastName: 'Œuvrard', phones: [{ type: 'fax', number: '+1 (212) 555-0100 ext. 12' }], sourceId: '' },
];

describe('ContactPreparer', () => {
  it('forms computed ahead are the phone forms of each number, and the index texts are folded', () => {
    const preparer = new ContactPreparer('FR');
    for (const c of people) {
      const p = preparer.ahead(preparer.prepare(c));
      expect(p.forms).toEqual(p.n.phones.map((ph) => phoneForms(ph.number, 'FR')));
      expect(p.digits).toEqual(p.forms!.map((f) => f.digits));
    }
    const helene = preparer.ahead(preparer.prepare(people[0]!));
    expect(helene.fts).toEqual(['helene dupre helene dupre', 'electricite generale ventes']);
    expect(helene.n.nameKey).toBe('helene dupre');
    // Emptied numbers and addresses are dropped, as the writer drops them.
    expect(helene.n.emails).toEqual(['helene@example.com']);
    expect(preparer.prepare(people[1]!).n.phones).toEqual([{ type: 'main', number: 'n/a' }]);
    // Without `ahead`, nothing is parsed: the writer parses the numbers of the contacts it writes.
    expect(preparer.prepare(people[0]!)).toEqual({ n: helene.n, digits: helene.digits });
  });
});
