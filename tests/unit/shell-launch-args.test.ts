/**
 * The packaged app's command line (issue 15: "the packaged app ignores the CLI flags its docs promise"): the docs
 * promise `receptionist-console --provision FILE` (docs/provisioning.md) and `--hidden` (start at login); links arrive
 * as an argument on Windows, and a second launch hands its arguments over.
 */
import { handOverData, launchArgv, launchFromProcess, parseLaunchArgs, secondInstanceArgv } from '../../electron/main/launch-args';
import { secondInstanceActions, startHidden } from '../../electron/main/shell';

describe('launch arguments: packaged and development runs', () => {
  it('packaged (process.defaultApp false): everything after the executable is ours', () => {
    const win = ['C:\\Users\\r\\AppData\\Local\\Programs\\receptionist-console\\Receptionist Console.exe', '--provision', 'C:\\rc\\p.json'];
    expect(launchArgv(win, { defaultApp: false })).toEqual(['--provision', 'C:\\rc\\p.json']);
    expect(launchFromProcess({ argv: win, defaultApp: false }).launch).toEqual({ provision: 'C:\\rc\\p.json', hidden: false });
    // Started at login by the Windows shortcut (loginItemRequest: args ['--hidden']).
    expect(launchFromProcess({ argv: [win[0]!, '--hidden'] }).launch.hidden).toBe(true);
  });

  it('macOS: the -psn_ argument a Finder launch adds is not ours; `open --args` passes the flags', () => {
    const mac = ['/Applications/Receptionist Console.app/Contents/MacOS/Receptionist Console', '-psn_0_1234567', '--provision=/Library/rc/p.json'];
    expect(launchArgv(mac, { defaultApp: false })).toEqual(['--provision=/Library/rc/p.json']);
    expect(launchFromProcess({ argv: mac, defaultApp: false }).launch.provision).toBe('/Library/rc/p.json');
  });

  it('development (`electron [switches] main.js …`, process.defaultApp true): the app path and Electron switches are skipped', () => {
    expect(launchArgv(['/x/electron', 'dist/electron/main.js', '--provision', 'p.json'], { defaultApp: true })).toEqual(['--provision', 'p.json']);
    expect(launchArgv(['/x/electron', '--inspect=9229', '.', '--hidden'], { defaultApp: true })).toEqual(['--hidden']);
    expect(launchArgv(['/x/electron'], { defaultApp: true })).toEqual([]);
    // The app path is never mistaken for a value: `electron . --provision` without a file provisions nothing.
    expect(launchFromProcess({ argv: ['/x/electron', '.', '--provision'], defaultApp: true }).launch).toEqual({ hidden: false });
  });

  it('a tel:/sip:/callto: link is the dial URL; no option after it (or after --) is honoured', () => {
    expect(parseLaunchArgs(['tel:+33123456789'])).toEqual({ hidden: false, dialUrl: 'tel:+33123456789' });
    // A crafted link must not smuggle a provisioning file in (Windows passes "%1" as typed in the link).
    expect(parseLaunchArgs(['tel:1002', '--provision', '\\\\evil\\share\\p.json'])).toEqual({ hidden: false, dialUrl: 'tel:1002' });
    expect(parseLaunchArgs(['--', '--hidden', 'sip:1003@pbx'])).toEqual({ hidden: false, dialUrl: 'sip:1003@pbx' });
    expect(parseLaunchArgs(['--provision', 'tel:1'])).toEqual({ hidden: false, dialUrl: 'tel:1' });
  });

  it('option names case-insensitive (Chromium lowercases switches on Windows); =value form; oversized arguments ignored', () => {
    expect(parseLaunchArgs(['--Provision', 'a.json', '--HIDDEN'])).toEqual({ provision: 'a.json', hidden: true });
    expect(parseLaunchArgs(['--provision='])).toEqual({ hidden: false });
    expect(parseLaunchArgs([`--provision=${'x'.repeat(5000)}`])).toEqual({ hidden: false });
    expect(startHidden(['--hidden'], false)).toBe(true);
  });

  it('second instance: its own arguments (additionalData) win over Chromium’s reordered argv', () => {
    const own = ['tel:+33 1 23 45 67 89'];
    const data = handOverData(own);
    // What Chromium gives the first instance on Windows: switches first, added ones, lowercased.
    const chromium = ['C:\\RC.exe', '--allow-file-access-from-files', '--original-process-start-time=13370000000000000', 'tel:+33 1 23 45 67 89'];
    expect(secondInstanceArgv(chromium, data)).toEqual(own);
    expect(secondInstanceActions(chromium, data)).toEqual({ focus: true, dialUrl: 'tel:+33 1 23 45 67 89' });
    // Without (or with malformed) hand-over data: Chromium's argv, its own switches dropped.
    expect(secondInstanceArgv(chromium, undefined)).toEqual(['tel:+33 1 23 45 67 89']);
    expect(secondInstanceArgv(chromium, { argv: [1, 2] })).toEqual(['tel:+33 1 23 45 67 89']);
    expect(secondInstanceArgv(chromium, { argv: Array.from({ length: 100 }, () => 'x') })).toEqual(['tel:+33 1 23 45 67 89']);
    expect(secondInstanceActions(['C:\\RC.exe'], handOverData([]))).toEqual({ focus: true });
    expect(handOverData(['x'.repeat(10_000)]).argv[0]!.length).toBe(4096);
  });
});
