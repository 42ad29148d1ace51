/**
 * Issue 15: "a dragged file … disconnects the window". The page takes the drop itself: a vCard/CSV opens the import
 * preview (the same upload → preview → commit as the Import button), anything else is ignored — never a navigation.
 */
import { dropDecision, importableFile, takesDrag } from '../../renderer/lib/state/contacts-drop';

const file = (name: string, type = '', size = 100) => ({ name, type, size });

describe('drag and drop onto the console window', () => {
  it('vCard and CSV files are importable, by extension (any case) or, without one, by type', () => {
    for (const f of [file('Contacts.VCF'), file('card.vcard', 'text/vcard'), file('outlook export.csv', 'application/vnd.ms-excel'), file('noext', 'text/csv')]) {
      expect(importableFile(f)).toBe(true);
    }
    for (const f of [file('photo.png', 'image/png'), file('notes.txt', 'text/plain'), file('empty.vcf', 'text/vcard', 0), file('x.vcf.exe'), file('weird.bin', 'text/csv')]) {
      expect(importableFile(f)).toBe(false);
    }
  });

  it('the first vCard/CSV dropped is imported into the Outlook tab, or the Personal tab when it is open', () => {
    expect(dropDecision([file('a.png'), file('b.vcf'), file('c.csv')], { tab: 'search', importStep: 'idle' })).toEqual({
      action: 'import',
      index: 1,
      tab: 'outlook',
      replacePreview: false,
    });
    expect(dropDecision([file('b.csv')], { tab: 'personal', importStep: 'done' })).toMatchObject({ action: 'import', tab: 'personal' });
    expect(dropDecision([file('b.csv')], { tab: 'outlook', importStep: 'error' })).toMatchObject({ action: 'import', tab: 'outlook' });
  });

  it('a preview not yet committed is replaced; nothing happens while a file is uploading or being imported', () => {
    expect(dropDecision([file('b.vcf')], { tab: 'outlook', importStep: 'preview' })).toMatchObject({ action: 'import', replacePreview: true });
    expect(dropDecision([file('b.vcf')], { tab: 'outlook', importStep: 'uploading' })).toEqual({ action: 'ignore' });
    expect(dropDecision([file('b.vcf')], { tab: 'outlook', importStep: 'importing' })).toEqual({ action: 'ignore' });
    expect(dropDecision([], { tab: 'outlook', importStep: 'idle' })).toEqual({ action: 'ignore' });
    expect(dropDecision([file('a.pdf')], { tab: 'outlook', importStep: 'idle' })).toEqual({ action: 'ignore' });
  });

  it('the page takes every file drag (never opened by the browser) and links outside text fields; text into a field still drops', () => {
    expect(takesDrag(['Files'], { editable: false })).toBe(true);
    expect(takesDrag(['Files'], { editable: true })).toBe(true);
    expect(takesDrag(['text/uri-list', 'text/plain'], { editable: false })).toBe(true);
    expect(takesDrag(['text/plain'], { editable: true })).toBe(false);
  });
});
