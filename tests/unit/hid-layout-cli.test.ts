import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hidLayoutCommand } from '../../electron/cli/hid-layout';

const fixtureText = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'hid', name), 'utf8');
/** The fixture as a support engineer would paste it: bare hex, spaces between bytes, no comments. */
const pasted = (name: string): string =>
  fixtureText(name)
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join(' ');

describe('npm run cli -- --hid-layout HEX', () => {
  test('support pastes the Poly Blackwire descriptor and gets its layout as JSON', () => {
    const result = hidLayoutCommand(pasted('poly-blackwire-3220-telephony.hex'));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      inputs: [
        { usage: 'phone-mute', reportId: 8, bit: 0, relative: true },
        { usage: 'hook-switch', reportId: 8, bit: 1, relative: false },
        { usage: 'flash', reportId: 8, bit: 2, relative: false },
      ],
      outputs: [
        { usage: 'mute', reportId: 9, bit: 0 },
        { usage: 'off-hook', reportId: 23, bit: 0 },
        { usage: 'ring', reportId: 24, bit: 0 },
      ],
    });
  });

  test('hex without spaces and with 0x prefixes is accepted too', () => {
    const compact = pasted('jabra-evolve-link.hex').replace(/ /g, '');
    const commas = pasted('jabra-evolve-link.hex')
      .split(' ')
      .map((b) => `0x${b}`)
      .join(', ');
    const a = hidLayoutCommand(compact);
    const b = hidLayoutCommand(commas);
    expect(a.exitCode).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(JSON.parse(a.stdout).outputs).toContainEqual({ usage: 'ringer', reportId: 2, bit: 5 });
  });

  test('invalid hex: a clear message and a non-zero exit', () => {
    const result = hidLayoutCommand('05 0b 09 zz');
    expect(result).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'hid-layout: "zz" is not a hex byte (expected pairs of 0-9/a-f, e.g. "05 0b").\n',
    });
    expect(hidLayoutCommand('05 0b 0').exitCode).toBe(1);
  });

  test('a truncated descriptor names the byte where it stops', () => {
    const result = hidLayoutCommand('05 0b 09 05 a1 01 85');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^hid-layout: Item 0x85 at byte 6 needs 1 data byte\(s\)/);
  });

  test('a descriptor without a telephony headset collection says so', () => {
    const result = hidLayoutCommand('05 01 09 02 a1 01 05 09 19 01 29 03 15 00 25 01 75 01 95 03 81 02 c0');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no Telephony Headset application collection');
  });

  test('empty input', () => {
    expect(hidLayoutCommand('   ')).toMatchObject({ exitCode: 1, stderr: 'hid-layout: The report descriptor is empty.\n' });
  });
});
