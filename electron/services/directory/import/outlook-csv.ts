/**
 * Outlook-family CSV → ContactInput. Columns are found by header name (English desktop, French desktop,
 * Outlook.com, and our own export, which is the English desktop layout plus a few extra columns).
 * French Outlook writes "Titre" twice: the first is the courtesy title (M., Mme), the second the job title —
 * the English layout has "Title" … "Job Title" at the same positions, so the first occurrence is the prefix.
 */
import { unneutralise } from '../../../storage/csv';
import { fold } from '../../../storage/text';
import type { ContactInput, PhoneInput, PhoneType } from '../../../storage/types';
import { PHONE_TYPES } from '../../../storage/types';
import { ImportError } from './errors';
import type { CsvRecord } from './csv-parse';

export type CsvFormat = 'outlook-csv-en' | 'outlook-csv-fr' | 'outlook-com-csv' | 'rc-csv';

type Field =
  | 'first' | 'middle' | 'last' | 'company' | 'department' | 'title' | 'prefix' | 'notes' | 'email'
  | 'display' | 'favorite' | 'source' | 'more-phones' | 'more-emails' | `phone:${PhoneType}`;

const FIELDS: Readonly<Record<string, Field>> = {
  // English desktop and Outlook.com
  'first name': 'first', 'middle name': 'middle', 'last name': 'last', company: 'company', department: 'department',
  'job title': 'title', title: 'prefix', notes: 'notes',
  'e-mail address': 'email', 'e-mail 2 address': 'email', 'e-mail 3 address': 'email',
  'business phone': 'phone:work', 'business phone 2': 'phone:work', 'mobile phone': 'phone:mobile',
  'car phone': 'phone:mobile', 'home phone': 'phone:home', 'home phone 2': 'phone:home',
  'business fax': 'phone:fax', 'home fax': 'phone:fax', 'other fax': 'phone:fax', pager: 'phone:pager',
  'company main phone': 'phone:main', 'other phone': 'phone:other', 'primary phone': 'phone:other',
  "assistant's phone": 'phone:other', callback: 'phone:other', 'radio phone': 'phone:other',
  // French desktop (folded: no accents)
  prenom: 'first', 'deuxieme prenom': 'middle', nom: 'last', societe: 'company', service: 'department',
  titre: 'prefix',
  'adresse de messagerie': 'email', 'adresse de messagerie 2': 'email', 'adresse de messagerie 3': 'email',
  'telephone (bureau)': 'phone:work', 'telephone 2 (bureau)': 'phone:work', 'tel. mobile': 'phone:mobile',
  'telephone (voiture)': 'phone:mobile', 'telephone (domicile)': 'phone:home', 'telephone 2 (domicile)': 'phone:home',
  'telecopie (bureau)': 'phone:fax', 'telecopie (domicile)': 'phone:fax', 'telecopie (autre)': 'phone:fax',
  'recepteur de radiomessagerie': 'phone:pager', 'telephone societe': 'phone:main', 'telephone (autre)': 'phone:other',
  'telephone principal': 'phone:other', "telephone de l'assistant(e)": 'phone:other', rappel: 'phone:other',
  'radio telephone': 'phone:other',
  // Our own export's extra columns
  'display name': 'display', favorite: 'favorite', 'source id': 'source', extension: 'phone:extension',
  'additional phones': 'more-phones', 'additional e-mails': 'more-emails',
};

/** The columns our export writes, in order: Outlook's English names first so Outlook can re-import the file. */
export const EXPORT_COLUMNS = [
  'First Name', 'Last Name', 'Company', 'Department', 'Job Title',
  'Business Phone', 'Business Phone 2', 'Mobile Phone', 'Home Phone', 'Home Phone 2', 'Other Phone',
  'Business Fax', 'Pager', 'Company Main Phone', 'E-mail Address', 'E-mail 2 Address', 'E-mail 3 Address', 'Notes',
  'Display Name', 'Favorite', 'Extension', 'Additional Phones', 'Additional E-mails', 'Source ID',
] as const;

export interface CsvLayout {
  readonly format: CsvFormat;
  readonly columns: readonly (Field | undefined)[];
}

export function detectLayout(header: readonly string[]): CsvLayout {
  const keys = header.map((h) => fold(h.replace(/^\uFEFF/, '')));
  const seen = new Set<string>();
  const columns = keys.map((k): Field | undefined => {
    const f = FIELDS[k];
    // Second "Titre" (French) is the job title; the first is the courtesy prefix.
    if (k === 'titre' && seen.has(k)) return 'title';
    seen.add(k);
    return f;
  });
  const has = (k: string): boolean => keys.includes(k);
  const useful = columns.some((c) => c === 'first' || c === 'last' || c === 'company' || c === 'display' || c === 'email');
  if (!useful) {
    throw new ImportError(
      'unknown-format',
      'The first line does not have the column names of an Outlook or contacts CSV export (such as "First Name" or "Prénom").',
      1,
    );
  }
  const format: CsvFormat = has('display name') && has('source id')
    ? 'rc-csv'
    : has('prenom') ? 'outlook-csv-fr'
    : has('given yomi') || keys[0] === 'first name' ? 'outlook-com-csv'
    : 'outlook-csv-en';
  return { format, columns };
}

/**
 * Spreadsheet formula cells are refused (not silently imported): someone opening a later export would run them.
 * Cells neutralised with a leading `'` (as our export writes them) are data and pass.
 */
export function isFormula(cell: string): boolean {
  if (/^=/.test(cell)) return true;
  if (/^[+\-@]\s*[A-Za-z_][\w.]*\s*\(/.test(cell)) return true; // +SUM( , @HYPERLINK(
  return /^[+\-@=]/.test(cell) && /[|!]/.test(cell) && !/^\+?[\d\s().\-/]+$/.test(cell); // DDE: -cmd|' /C calc'!A0
}

const PHONE_TYPE_SET: ReadonlySet<string> = new Set(PHONE_TYPES);

export type RowResult = { ok: true; contact: ContactInput } | { ok: false; reason: string };

export function mapRecord(layout: CsvLayout, rec: CsvRecord): RowResult {
  const { columns } = layout;
  if (rec.cells.length > columns.length && rec.cells.slice(columns.length).some((c) => c.trim() !== '')) {
    return { ok: false, reason: `has ${rec.cells.length} columns but the header has ${columns.length}` };
  }
  let first = '', middle = '', last = '', company = '', department = '', title = '', notes = '', display = '', source = '';
  let favorite = false;
  const phones: PhoneInput[] = [];
  const emails: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const field = columns[i];
    const rawCell = rec.cells[i] ?? '';
    if (!field || rawCell === '') continue;
    // Leading blanks are trimmed below: " =1+1" or a tab before "=" would otherwise slip in as "=1+1".
    // (Fast path: a cell whose first character is a letter or digit can be neither a formula nor neutralised.)
    const c0 = rawCell.charCodeAt(0);
    const plain = (c0 >= 48 && c0 <= 57) || (c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122);
    if (!plain && isFormula(rawCell.trimStart())) {
      throw new ImportError(
        'formula',
        `Row ${rec.row} contains a spreadsheet formula (${JSON.stringify(rawCell.slice(0, 40))}). Formulas are not imported, to protect whoever opens the data later. Remove them and try again.`,
        rec.row,
      );
    }
    const cell = plain ? rawCell.trim() : unneutralise(rawCell).trim();
    if (cell === '') continue;
    switch (field) {
      case 'first': first = cell; break;
      case 'middle': middle = cell; break;
      case 'last': last = cell; break;
      case 'company': company = cell; break;
      case 'department': department = cell; break;
      case 'title': title = cell; break;
      case 'prefix': break; // courtesy title: not shown by the console
      case 'notes': notes = unneutralise(rawCell); break;
      case 'display': display = cell; break;
      case 'source': source = cell; break;
      case 'favorite': favorite = /^(yes|true|1|oui)$/i.test(cell); break;
      // Outlook writes Exchange X.500 paths ("/o=ExchangeLabs/…") here for internal senders: not an address.
      case 'email': if (cell.includes('@')) emails.push(cell); break;
      case 'more-emails': emails.push(...cell.split(/\r?\n/).map((s) => unneutralise(s.trim())).filter((s) => s.includes('@'))); break;
      case 'more-phones':
        for (const line of cell.split(/\r?\n/)) {
          const m = /^\s*([a-z]+)\s*:\s*(.+)$/.exec(line);
          if (m && PHONE_TYPE_SET.has(m[1]!)) phones.push({ type: m[1] as PhoneType, number: unneutralise(m[2]!.trim()) });
        }
        break;
      default: {
        const type = field.slice('phone:'.length) as PhoneType;
        if (/\d/.test(cell)) phones.push({ type, number: cell });
      }
    }
  }
  const name = display || [first, middle, last].filter(Boolean).join(' ');
  if (!name && !company && phones.length === 0 && emails.length === 0) {
    return { ok: false, reason: 'no name, company, number or e-mail' };
  }
  if (!name && !company && phones.length === 0) return { ok: false, reason: 'only an e-mail address, no name or number' };
  return {
    ok: true,
    contact: { sourceId: source || null, name, firstName: first, lastName: last, company, department, title, notes, favorite, phones, emails },
  };
}
