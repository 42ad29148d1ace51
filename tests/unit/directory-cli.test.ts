import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportContactsCommand, importContactsCommand } from '../../electron/cli/contacts';
import { defaultDataDir, runCli, wantsCli } from '../../electron/cli/main';
import { Database } from '../../electron/storage/db';

const fixtures = path.join(__dirname, '../fixtures/contacts');

describe('contacts CLI', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-cli-'));
    dbPath = path.join(dir, 'contacts.sqlite');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports an Outlook CSV and prints the agreed JSON shape', async () => {
    const r = await importContactsCommand({ file: path.join(fixtures, 'outlook-fr-cp1252.csv'), json: true, dbPath });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as unknown;
    expect(out).toEqual({
      imported: 3,
      skipped: [{ row: 4, reason: 'no name, company, number or e-mail' }],
      contacts: [
        {
          name: 'Jean-François Lefèvre', company: 'Électricité Générale',
          phones: [{ type: 'work', number: '+33 1 42 68 53 00' }, { type: 'mobile', number: '06 12 34 56 78' }],
          emails: ['jf.lefevre@example.fr'],
        },
        {
          name: 'Hélène Dupré', company: 'Crème & Pâtisserie',
          phones: [{ type: 'work', number: '01 45 67 89 10' }, { type: 'home', number: '+33 4 78 00 11 22' }],
          emails: [],
        },
        { name: 'Bérénice Œillet', company: '', phones: [{ type: 'other', number: '201' }], emails: [] },
      ],
    });
    expect(Object.keys(out as object)).toEqual(['imported', 'skipped', 'contacts']);
  });

  it('a dry run prints what would happen and saves nothing', async () => {
    const r = await importContactsCommand({ file: path.join(fixtures, 'vcard30.vcf'), dryRun: true, dbPath, directory: 'Suppliers' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Dry run \(nothing saved\): would import 1 contact\(s\) into "Suppliers" from vcard/);
    const db = await Database.open(dbPath);
    expect(await db.get('SELECT count(*) AS n FROM contacts')).toEqual({ n: 0 });
    await db.close();
  });

  it('an unreadable or hostile file exits non-zero with a plain message', async () => {
    const missing = await importContactsCommand({ file: path.join(dir, 'nope.csv'), dbPath });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/Cannot import .*nope\.csv: Cannot read the file/);
    const bin = path.join(dir, 'x.csv');
    fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0, 1, 2, 3]));
    const binary = await importContactsCommand({ file: bin, dbPath, json: true });
    expect(binary.exitCode).toBe(1);
    expect(binary.stderr).toMatch(/not a text file/);
    expect(JSON.parse(binary.stdout)).toEqual({ error: { code: 'binary', message: expect.any(String) } });
  });

  it('refuses a database written by a newer version of the app', async () => {
    const db = await Database.open(dbPath);
    await db.exec('PRAGMA user_version = 999');
    await db.close();
    const r = await importContactsCommand({ file: path.join(fixtures, 'vcard30.vcf'), dbPath });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/newer version/);
  });

  it('exports personal contacts to a CSV that imports back', async () => {
    await importContactsCommand({ file: path.join(fixtures, 'outlook-en.csv'), dbPath });
    const out = path.join(dir, 'out.csv');
    const r = await exportContactsCommand({ file: out, dbPath });
    expect(r).toEqual({ exitCode: 0, stdout: `Exported 3 contact(s) from "Personal" to ${out}.\n`, stderr: '' });
    const again = await importContactsCommand({ file: out, dbPath: path.join(dir, 'other.sqlite'), json: true });
    expect((JSON.parse(again.stdout) as { imported: number }).imported).toBe(3);
    const noDb = await exportContactsCommand({ file: out, dbPath: path.join(dir, 'typo.sqlite') });
    expect(noDb.exitCode).toBe(2);
    expect(fs.existsSync(path.join(dir, 'typo.sqlite'))).toBe(false);
  });

  it('is reachable from the command line flags, and round-trips through export', async () => {
    const argv = ['--import-contacts', path.join(fixtures, 'vcard30.vcf'), '--directory', 'company', '--db', dbPath];
    expect(wantsCli(argv)).toBe(true);
    const imp = await runCli(argv);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toMatch(/^Imported \d+ contact\(s\) into "Company"/);
    const out = path.join(dir, 'out.csv');
    const exp = await runCli(['--export-contacts', out, '--directory', 'company', '--db', dbPath]);
    expect(exp.exitCode).toBe(0);
    const count = Number(/Imported (\d+)/.exec(imp.stdout)?.[1]);
    expect(exp.stdout).toContain(`Exported ${count} contact(s)`);
    const again = await runCli(['--import-contacts', out, '--directory', 'personal', '--dry-run', '--json', '--db', dbPath]);
    expect((JSON.parse(again.stdout) as { imported: number }).imported).toBe(count);
  });

  it('explains usage when a flag lacks its file, and picks a per-platform data directory', async () => {
    const r = await runCli(['--import-contacts']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--import-contacts FILE');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe(path.join('/x', 'Receptionist Console'));
    expect(defaultDataDir({ APPDATA: 'C:/Users/a/AppData/Roaming' }, 'win32')).toContain('Receptionist Console');
    expect(defaultDataDir({ RECEPTIONIST_DATA_DIR: '/d' }, 'darwin')).toBe('/d');
  });
});
