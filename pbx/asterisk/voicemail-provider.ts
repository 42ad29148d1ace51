/**
 * VoicemailProvider for Asterisk (issue 13 item 7) over AMI, with app_voicemail's actions (checked in Asterisk
 * 22.10.1 apps/app_voicemail.c and on the test bed):
 * - `VoicemailBoxSummary` (Mailbox, Context): `EventList: start`, one `VoicemailBoxDetail` per message (Folder,
 *   CallerID, Date, Duration, Flag, ID = msg_id), then `VoicemailBoxDetailComplete`. An unknown mailbox is acked
 *   `Success` "There is no voicemail user matching the given user." with no list at all.
 * - `VoicemailMove` (Folder, ID, ToFolder) and `VoicemailRemove` (Folder, ID): a failure is ALSO `Response: Success`,
 *   told apart only by its Message ("Message move failed" / "Message remove failed").
 * - Playing on the console: `Originate` of the receptionist's own endpoint into the application
 *   `VoiceMailPlayMsg(<mailbox>@<context>,<msg_id>)`, with `PJSIP_HEADER(add,Call-Info)=<…>;answer-after=0` so the
 *   console may answer at once (a header only the PBX can put on its own INVITE, see sip-core auto-answer.ts).
 *   app_voicemail then moves a fully heard INBOX message to Old itself (moveheard) but publishes no MWI for it:
 *   `VoicemailRefresh` after the playback call hangs up makes it re-count (a `MessageWaiting` event follows).
 * - `MessageWaiting` events (Mailbox `<box>@<context>`) trigger a re-list; so does a timer, for changes made where
 *   no event is raised.
 *
 * Every value reaching AMI is checked first (mailbox, context, msg_id: a strict character set); everything read
 * from the PBX (caller IDs come from callers) is sanitised and capped before it leaves this file.
 */
import { VoicemailError, type VoicemailConnectionState, type VoicemailMessage, type VoicemailProvider, type VoicemailSnapshot } from '../api/voicemail';
import { amiClientFor, type AmiClient, AmiError, type AmiConnectionState, type AmiLogger, type AmiMessage, type AmiServerConfig } from './ami-client';
import { Listeners } from './listeners';

export interface AsteriskVoicemailConfig extends AmiServerConfig {
  /** The mailbox, e.g. `2001`. */
  readonly mailbox: string;
  /** voicemail.conf context of the mailbox (Asterisk's and FreePBX's default: `default`). */
  readonly voicemailContext?: string;
  /** Re-list every N ms (default 60 000; MWI events trigger one sooner). */
  readonly refreshEveryMs?: number;
}

export type VoicemailLogger = AmiLogger;

const silent: VoicemailLogger = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN = /^[0-9A-Za-z_.+*#-]{1,80}$/;
const MSG_ID = /^[0-9A-Za-z_.-]{1,64}$/;
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const MAX_NAME = 80;
const MAX_NUMBER = 64;
/** More messages than any mailbox holds (voicemail.conf maxmsg ≤ 9999); the rest is ignored. */
const MAX_MESSAGES = 1000;

export function sanitize(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const clean = [...value.replace(UNSAFE, '').trim()].slice(0, max).join('');
  return clean === '' ? undefined : clean;
}

/** `"Phone 2005" <2005>`, `<2005>`, `2005`, `"Anonymous" <>`, `Unknown` → name and number (sanitised). */
export function parseCallerId(raw: string | undefined): { name?: string; number?: string } {
  const text = (raw ?? '').trim();
  const m = /^(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(text);
  let name: string | undefined;
  let number: string | undefined;
  if (m) {
    name = sanitize((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'), MAX_NAME);
    number = sanitize(m[3], MAX_NUMBER);
  } else if (/^\+?[0-9*#]+$/.test(text)) {
    number = text.slice(0, MAX_NUMBER);
  } else {
    name = sanitize(text, MAX_NAME);
  }
  if (name && /^(unknown|<unknown>)$/i.test(name)) name = undefined;
  if (number && /^(unknown|anonymous)$/i.test(number)) number = undefined;
  return { ...(name ? { name } : {}), ...(number ? { number } : {}) };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * When a message was left. app_voicemail's msg_id starts with the epoch second it was made (`%ld-%08x`,
 * generate_msg_id), which is exact and zone-free; the Date text (`Thu Dec  3 03:54:29 PM UTC 2026`, strftime in the
 * PBX's zone and locale) is the fallback, read as local time when its zone is unknown.
 */
export function receivedAt(id: string, date: string | undefined): number | undefined {
  const epoch = /^(\d{9,11})-/.exec(id);
  if (epoch) {
    const ms = Number(epoch[1]) * 1000;
    if (ms > Date.UTC(2000, 0, 1) && ms < Date.UTC(2200, 0, 1)) return ms;
  }
  const m = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s*(AM|PM)?\s*(\S+)?\s+(\d{4})\s*$/i.exec(date ?? '');
  if (!m) return undefined;
  const month = MONTHS.indexOf((m[1] ?? '').toLowerCase());
  if (month < 0) return undefined;
  let hour = Number(m[3]);
  const ampm = m[6]?.toUpperCase();
  if (ampm === 'PM' && hour < 12) hour += 12;
  if (ampm === 'AM' && hour === 12) hour = 0;
  const parts = [Number(m[8]), month, Number(m[2]), hour, Number(m[4]), Number(m[5])] as const;
  const utc = /^(UTC|GMT)$/i.test(m[7] ?? '');
  const t = utc ? Date.UTC(...parts) : new Date(...parts).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** `VoicemailBoxDetail` events → messages, newest first. Malformed entries (no usable ID) are left out. */
export function parseBoxSummary(events: readonly AmiMessage[]): VoicemailMessage[] {
  const out: VoicemailMessage[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.Event !== 'VoicemailBoxDetail' || out.length >= MAX_MESSAGES) continue;
    const id = e.ID ?? '';
    if (!MSG_ID.test(id) || seen.has(id)) continue;
    const folderName = (e.Folder ?? '').toLowerCase();
    // INBOX and Urgent light the lamp; Old (and the user's own folders: Work, Family, Friends) do not.
    const folder = folderName === 'inbox' || folderName === 'urgent' ? 'new' : 'old';
    const caller = parseCallerId(e.CallerID);
    const duration = Number.parseInt(e.Duration ?? '', 10);
    const at = receivedAt(id, e.Date);
    seen.add(id);
    out.push({
      id,
      folder,
      ...(caller.number ? { callerNumber: caller.number } : {}),
      ...(caller.name ? { callerName: caller.name } : {}),
      ...(at !== undefined ? { receivedAt: at } : {}),
      durationS: Number.isFinite(duration) && duration >= 0 ? Math.min(duration, 86_400) : 0,
      urgent: folderName === 'urgent' || /urgent/i.test(e.Flag ?? ''),
    });
  }
  // Newest first; the msg_id counter breaks ties within one second.
  return out.sort((a, b) => (b.receivedAt ?? 0) - (a.receivedAt ?? 0) || (a.id < b.id ? 1 : -1));
}

/** The Asterisk folder a message is in now, as Asterisk named it (Move and Remove take the folder by name). */
function folderOf(m: VoicemailMessage, raw: ReadonlyMap<string, string>): string {
  return raw.get(m.id) ?? (m.folder === 'new' ? 'INBOX' : 'Old');
}

export class AsteriskVoicemailProvider implements VoicemailProvider {
  readonly #config: AsteriskVoicemailConfig;
  readonly #log: VoicemailLogger;
  readonly #ami: AmiClient;
  readonly #mailbox: string;
  readonly #context: string;
  readonly #listeners: Listeners<VoicemailSnapshot>;
  #snapshot: VoicemailSnapshot = { connection: { state: 'connecting' }, noMailbox: false, messages: [] };
  /** msg_id → the folder name Asterisk reported (Move/Remove need it). */
  #folders = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  /** Channels playing one of our messages (from OriginateResponse): a re-count when they hang up. */
  readonly #playing = new Set<string>();
  #listing: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;

  constructor(config: AsteriskVoicemailConfig, logger?: VoicemailLogger) {
    this.#config = config;
    this.#log = logger ?? silent;
    this.#listeners = new Listeners('voicemail', this.#log);
    if (!TOKEN.test(config.mailbox)) throw new VoicemailError('refused', 'the mailbox must be 1-80 characters among 0-9 A-Z a-z _ . + * # -');
    const context = config.voicemailContext ?? 'default';
    if (!TOKEN.test(context)) throw new VoicemailError('refused', 'the voicemail context must be 1-80 characters among 0-9 A-Z a-z _ . + * # -');
    this.#mailbox = config.mailbox;
    this.#context = context;
    this.#ami = amiClientFor(config, this.#log);
    this.#ami.onState((s) => this.#onState(s));
    this.#ami.onEvent((e) => this.#onEvent(e));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#ami.start();
    this.#timer = setInterval(() => {
      if (this.#ami.connected) this.refresh().catch((e: Error) => this.#log.debug(`voicemail re-list failed: ${e.message}`));
    }, this.#config.refreshEveryMs ?? 60_000);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    await this.#ami.stop();
  }

  snapshot(): VoicemailSnapshot {
    return this.#snapshot;
  }

  onDidChange(listener: (s: VoicemailSnapshot) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** One listing at a time; a request during one runs one more after it. */
  refresh(): Promise<void> {
    if (this.#listing) {
      this.#again = true;
      return this.#listing;
    }
    const run = (async () => {
      do {
        this.#again = false;
        await this.#list();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#listing = undefined;
    });
    this.#listing = run;
    return run;
  }

  async play(id: string, endpoint: string, callerIdName: string): Promise<void> {
    this.#known(id);
    if (!/^[A-Za-z][A-Za-z0-9_-]*\/[0-9A-Za-z_.+*#@-]{1,80}$/.test(endpoint)) throw new VoicemailError('refused', `not a channel to call: ${endpoint}`);
    const name = (sanitize(callerIdName, 40) ?? 'Voicemail').replace(/["\\<>]/g, '');
    await this.#call(() =>
      this.#ami.action({
        Action: 'Originate',
        Channel: endpoint,
        Application: 'VoiceMailPlayMsg',
        Data: `${this.#mailbox}@${this.#context},${id}`,
        CallerID: `"${name}" <${this.#mailbox}>`,
        // `;` separates Originate variables unless escaped (manager.c astman_get_variables_order).
        Variable: 'PJSIP_HEADER(add,Call-Info)=<sip:voicemail@pbx>\\;answer-after=0',
        Timeout: '30000',
        Async: 'true',
      }),
    );
  }

  async markRead(id: string): Promise<void> {
    const from = this.#known(id);
    await this.#mutate('VoicemailMove', { Folder: from, ID: id, ToFolder: 'Old' }, /move successful/i);
  }

  async remove(id: string): Promise<void> {
    const from = this.#known(id);
    await this.#mutate('VoicemailRemove', { Folder: from, ID: id }, /remove successful/i);
  }

  /** The folder of a listed message; an id we never listed (or malformed) is refused before anything is sent. */
  #known(id: string): string {
    if (typeof id !== 'string' || !MSG_ID.test(id)) throw new VoicemailError('not-found', 'no such voicemail message');
    const m = this.#snapshot.messages.find((x) => x.id === id);
    if (!m) throw new VoicemailError('not-found', `no voicemail message ${id} in ${this.#mailbox}@${this.#context}`);
    return folderOf(m, this.#folders);
  }

  async #mutate(action: 'VoicemailMove' | 'VoicemailRemove', fields: Record<string, string>, ok: RegExp): Promise<void> {
    const r = await this.#call(() => this.#ami.action({ Action: action, Mailbox: this.#mailbox, Context: this.#context, ...fields }));
    // app_voicemail answers a failed move/remove with Response: Success too; only the Message tells.
    const failed = !ok.test(r.Message ?? '');
    await this.refresh().catch(() => undefined);
    if (failed) throw new VoicemailError('not-found', `${action}: ${sanitize(r.Message, 120) ?? 'failed'}`);
  }

  async #list(): Promise<void> {
    if (!this.#ami.connected) return;
    let noMailbox = false;
    const events = await this.#call(() =>
      this.#ami.list({ Action: 'VoicemailBoxSummary', Mailbox: this.#mailbox, Context: this.#context }, undefined, (r) => {
        noMailbox = r.EventList === undefined && /no voicemail user/i.test(r.Message ?? '');
        return noMailbox;
      }),
    );
    const folders = new Map<string, string>();
    for (const e of events) if (e.Event === 'VoicemailBoxDetail' && e.ID && e.Folder && TOKEN.test(e.Folder)) folders.set(e.ID, e.Folder);
    this.#folders = folders;
    this.#set({ connection: { state: 'connected' }, noMailbox, messages: parseBoxSummary(events), listedAt: Date.now() });
  }

  #set(s: VoicemailSnapshot): void {
    this.#snapshot = s;
    this.#listeners.emit(s);
  }

  #connection(c: VoicemailConnectionState): void {
    this.#set({ ...this.#snapshot, connection: c });
  }

  #onState(s: AmiConnectionState): void {
    switch (s.state) {
      case 'connecting':
        this.#connection({ state: 'connecting' });
        return;
      case 'connected':
        this.refresh().catch((e: Error) => this.#log.warn(`voicemail listing failed: ${e.message}`));
        return;
      case 'unreachable':
        this.#connection({ state: 'unreachable', detail: s.error.message });
        return;
      case 'auth-failed':
        this.#connection({ state: 'auth-failed', detail: s.error.message });
        return;
      case 'stopped':
        this.#connection({ state: 'stopped' });
        return;
      default:
        missing(s);
    }
  }

  #onEvent(e: AmiMessage): void {
    switch (e.Event) {
      case 'MessageWaiting':
        if ((e.Mailbox ?? '').toLowerCase() === `${this.#mailbox}@${this.#context}`.toLowerCase()) this.#refreshSoon();
        return;
      case 'OriginateResponse':
        if (e.Application === 'VoiceMailPlayMsg' && (e.Data ?? '').startsWith(`${this.#mailbox}@${this.#context},`) && e.Channel) {
          if (e.Response === 'Success') this.#playing.add(e.Channel);
        }
        return;
      case 'Hangup':
        if (e.Channel && this.#playing.delete(e.Channel)) {
          // The heard message moved to Old without an MWI event: make app_voicemail re-count (lamp + our list).
          this.#ami
            .action({ Action: 'VoicemailRefresh', Mailbox: this.#mailbox, Context: this.#context })
            .catch((err: Error) => this.#log.debug(`VoicemailRefresh failed: ${err.message}`));
          this.#refreshSoon();
        }
        return;
      default:
        return;
    }
  }

  #refreshSoon(): void {
    if (this.#soon || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.refresh().catch((err: Error) => this.#log.debug(`voicemail re-list failed: ${err.message}`));
    }, 200);
    this.#soon.unref?.();
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof VoicemailError) throw e;
      if (e instanceof AmiError) {
        switch (e.code) {
          case 'refused':
            throw new VoicemailError('refused', e.message);
          case 'timeout':
            throw new VoicemailError('timeout', e.message);
          case 'auth-failed':
          case 'unreachable':
          case 'protocol':
          case 'stopped':
            throw new VoicemailError('unreachable', e.message);
          default:
            missing(e.code);
        }
      }
      throw e;
    }
  }
}

function missing(x: never): never {
  throw new Error(`unhandled case: ${String(x)}`);
}
