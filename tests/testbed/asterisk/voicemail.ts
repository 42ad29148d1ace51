/**
 * Voicemail on the Asterisk bed (issue 13 item 7): a sipp caller that leaves a message of a known tone in a mailbox,
 * and the mailbox's cleaning. Used by tests/integration/asterisk-voicemail.test.ts and tests/e2e/voicemail.e2e.ts.
 *
 *   await clearMailbox();                               // files of 2001@default gone, MWI re-counted
 *   await leaveVoicemail('2005', { toneHz: 800 });      // 2005 dials *2001, sends 800 Hz for the whole call
 *
 * The deposit `*2001` runs VoiceMail(2001@default,u): the "unavailable" prompts take ~16 s, then the beep, then the
 * recording; so a call held 22 s leaves a message of ~5 s. The tone is an 8 kHz A-law WAV made by sox and streamed by
 * sipp's rtp_stream (sipp 3.6 RTPSTREAM build); the SDP offers PCMA only so the payload type matches.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AmiClient } from './ami';
import { CALLER_XML, scenarioFile, spawnSipp, work } from './phones';

export const ASTERISK_ROOT = path.join(__dirname, 'root');
export const mailboxDir = (mailbox = '2001', context = 'default'): string => path.join(ASTERISK_ROOT, 'var/spool/asterisk/voicemail', context, mailbox);

/** Deletes every message of the mailbox (all folders; greetings are not in folders) and asks Asterisk to re-count. */
export async function clearMailbox(ami?: AmiClient, mailbox = '2001', context = 'default'): Promise<void> {
  const dir = mailboxDir(mailbox, context);
  if (existsSync(dir)) {
    for (const folder of readdirSync(dir, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      for (const f of readdirSync(path.join(dir, folder.name))) {
        if (/^msg\d+\./.test(f)) rmSync(path.join(dir, folder.name, f), { force: true });
      }
    }
  }
  await ami?.action({ Action: 'VoicemailRefresh', Mailbox: mailbox, Context: context });
}

/** An 8 kHz A-law WAV of a sine at `hz` for `seconds`, made once per (hz, seconds) in the phones' work directory. */
export function toneWav(hz: number, seconds: number): string {
  const file = path.join(work, `tone-${hz}-${seconds}.wav`);
  if (!existsSync(file)) execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'a-law', file, 'synth', String(seconds), 'sine', String(hz)]);
  return file;
}

export interface LeftMessage {
  /** sipp's exit code (0: the call was answered and ended normally). */
  readonly code: number;
  readonly log: string;
}

/**
 * `from` calls `deposit` (default `*2001`), streams a `toneHz` tone for the whole call and hangs up after `holdMs`
 * (default 22 s: ~5 s of message after the prompts). Resolves when sipp is done.
 */
export async function leaveVoicemail(from: string, opts: { toneHz?: number; holdMs?: number; deposit?: string } = {}): Promise<LeftMessage> {
  const holdMs = opts.holdMs ?? 22_000;
  const wav = toneWav(opts.toneHz ?? 800, Math.ceil(holdMs / 1000) + 2);
  const xml = CALLER_XML(holdMs)
    .replace('<label id="talk"/>', `<nop><action><exec rtp_stream="${wav},1,8"/></action></nop>\n  <label id="talk"/>`)
    .replace(/RTP\/AVP 0 8/g, 'RTP/AVP 8')
    .replace(/\s*a=rtpmap:0 PCMU\/8000/g, '');
  const sipp = await spawnSipp(scenarioFile(`vm-deposit-${holdMs}`, xml), from, { service: opts.deposit ?? '*2001' });
  const code = await sipp.done;
  return { code, log: sipp.log() };
}
