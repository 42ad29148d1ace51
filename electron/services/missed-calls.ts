/**
 * Missed calls (issue 13 item 8): a counter kept in main — every window, the Electron shell (badge, taskbar flash, OS
 * notification) and a reloaded page see the same number — saved in `missed-calls.json` in the data directory so it
 * survives a restart, and cleared when the receptionist views the History.
 *
 * What counts as missed (`isMissedCall`, unit-tested): an incoming call that rang on a line of this console and ended
 * without being answered here or anywhere else. Like commercial consoles and phones (Cisco, Yealink, Teams), a call
 * answered elsewhere does not count: a colleague's pickup, another device of the same extension or a queue/ring-group
 * member that answered first (CANCEL with `Reason: SIP;cause=200;text="Call completed elsewhere"`, RFC 3326 — sip-core
 * reports it as `answered-elsewhere`). Nor do calls the receptionist handled: declined, sent elsewhere (deflect, her
 * forwarding rules, including the console's own forward on no answer — the info pane says where they went), transferred
 * or replaced. Calls the console refused before they rang (do-not-disturb, blacklist, busy) never reach a line and are
 * not counted either; the info pane lists them. Everything else unanswered — the caller hung up, the PBX stopped
 * ringing us (CANCEL without a cause, ring timeout), the network dropped it — is a missed call.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { EventName, Events } from '../contract/contract';
import type { CallView } from '../contract/dto';
import type { MissedCallView, MissedCallsView } from '../contract/missed-calls';
import type { SipLogger } from '../../sip-core/api/softphone';
import type { ConsoleExtension } from './console-service';

/** End reasons of an unanswered incoming call that are NOT a missed call (see the file comment). */
const HANDLED: ReadonlySet<string> = new Set(['answered-elsewhere', 'declined', 'deflected', 'transferred', 'replaced']);

/** Did this ended call ring here and reach nobody? (See the file comment for the rules and why.) */
export function isMissedCall(view: Pick<CallView, 'direction' | 'state' | 'answeredAt' | 'endReason'>): boolean {
  if (view.direction !== 'incoming' || view.state !== 'ended') return false;
  if (view.answeredAt !== undefined) return false;
  return !HANDLED.has(view.endReason ?? '');
}

/** Longest caller name / number kept (caller data is attacker-controlled; sip-core already capped and cleaned it). */
const MAX_TEXT = 128;
const MAX_COUNT = 9999;

/** The saved file, read back defensively: anything unexpected (hand-edited, truncated) counts as nothing missed. */
export function parseMissedCallsFile(text: string): MissedCallsView {
  try {
    const v = JSON.parse(text) as { count?: unknown; last?: unknown };
    const count = typeof v.count === 'number' && Number.isInteger(v.count) && v.count >= 0 ? Math.min(v.count, MAX_COUNT) : 0;
    const l = v.last as Partial<Record<keyof MissedCallView, unknown>> | undefined;
    const last: MissedCallView | undefined =
      l && typeof l === 'object' && typeof l.number === 'string' && typeof l.at === 'number' && typeof l.callId === 'string'
        ? {
            callId: l.callId.slice(0, MAX_TEXT),
            number: l.number.slice(0, MAX_TEXT),
            at: l.at,
            ...(typeof l.name === 'string' && l.name !== '' && { name: l.name.slice(0, MAX_TEXT) }),
          }
        : undefined;
    return { count, ...(last && { last }) };
  } catch {
    return { count: 0 };
  }
}

export interface MissedCallsServiceOptions {
  /** `missed-calls.json` in the data directory; absent: kept in memory only (web host `--in-memory`, tests). */
  readonly file?: string | undefined;
  readonly logger?: Pick<SipLogger, 'warn'>;
}

export class MissedCallsService implements ConsoleExtension {
  #view: MissedCallsView = { count: 0 };
  #broadcast: (<E extends EventName>(event: E, payload: Events[E]) => void) | undefined;
  /** Writes are chained: the file always ends with the latest state, and never half-written (temp + rename). */
  #writing: Promise<void> = Promise.resolve();

  readonly handlers = {
    'missed.seen': (): MissedCallsView => {
      this.reset();
      return this.#view;
    },
  };

  constructor(private readonly options: MissedCallsServiceOptions = {}) {
    if (options.file) {
      try {
        // Once at start, a few bytes: reading it synchronously keeps the snapshot right from the first window.
        this.#view = parseMissedCallsFile(readFileSync(options.file, 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') options.logger?.warn(`missed calls: cannot read ${options.file}: ${String(e)}`);
      }
    }
  }

  bind(broadcast: <E extends EventName>(event: E, payload: Events[E]) => void): void {
    this.#broadcast = broadcast;
  }

  snapshot(): { missed: MissedCallsView } {
    return { missed: this.#view };
  }

  view(): MissedCallsView {
    return this.#view;
  }

  callEnded(view: CallView): void {
    if (!isMissedCall(view)) return;
    const name = view.contact?.name || view.remote.displayName;
    const last: MissedCallView = {
      callId: view.id,
      number: (view.remote.user || view.remote.uri).slice(0, MAX_TEXT),
      at: view.endedAt ?? Date.now(),
      ...(name && { name: name.slice(0, MAX_TEXT) }),
    };
    this.#set({ count: Math.min(this.#view.count + 1, MAX_COUNT), last });
    this.#broadcast?.('missed.added', { ...last, count: this.#view.count });
  }

  /** The History was viewed (or all data deleted): back to 0. */
  reset(): void {
    if (this.#view.count === 0) return;
    this.#set({ count: 0, ...(this.#view.last && { last: this.#view.last }) });
  }

  /** Delete all data (issue 13 item 9): no count and no last caller either, as on first start. */
  forget(): void {
    this.#set({ count: 0 });
  }

  /** Pending writes done (tests, shutdown). */
  async stop(): Promise<void> {
    await this.#writing;
  }

  #set(view: MissedCallsView): void {
    this.#view = view;
    this.#broadcast?.('missed.changed', view);
    this.#save();
  }

  #save(): void {
    const file = this.options.file;
    if (!file) return;
    const text = `${JSON.stringify(this.#view)}\n`;
    this.#writing = this.#writing
      .then(async () => {
        await writeFile(`${file}.tmp`, text, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      })
      .catch((e: unknown) => this.options.logger?.warn(`missed calls: cannot save ${file}: ${String(e)}`));
  }
}
