/**
 * CallServicesProvider for Asterisk (issue 12): the receptionist's do-not-disturb "everywhere", forwarding, follow-me
 * and priority callers, written over AMI as AstDB keys that the dialplan's `rc-services` subroutine honours
 * (docs/pbx-asterisk.md "Call-routing services"; the test bed's tests/testbed/asterisk/conf/extensions.conf).
 *
 * Key layout. Where FreePBX has a key we use it, so DND and the three forwards also work on a stock FreePBX (its own
 * dialplan reads them): `DND/<ext>` = YES, `CF/<ext>`, `CFB/<ext>`, `CFU/<ext>`, `AMPUSER/<ext>/ringtimer`. The rest
 * is ours, under `RC/<ext>/`: dndaction, vmdeposit, followme, followme_delay, priority/<number> = 1, and
 * ringtimer_saved (see #ringTimer). DND also sets the custom device state `Custom:DND<ext>` that the user's hint
 * includes, so colleagues' BLF shows the user busy.
 *
 * Every value reaching AMI is checked against the dialplan's FILTER() set ([0-9A-Za-z*#+]) before anything is sent:
 * a value is never interpolated unchecked into an AstDB key, a DEVICE_STATE() name or, later, a Dial() string. AMI
 * field names stay in this file; errors leave as CallServicesError.
 */
import {
  CallServicesError,
  type CallServicesProvider,
  type PbxCallServicesState,
  type PbxColleagueServices,
} from '../api/call-services';
import { amiClientFor, type AmiClient, AmiError, type AmiConnectionState, type AmiLogger } from './ami-client';
import type { AsteriskQueueConfig } from './queue-provider';

/** The same connection shape as the queue provider's config, so one provisioning block can feed both. */
export interface AsteriskCallServicesConfig {
  readonly ami: AsteriskQueueConfig['ami'];
  /** Dialplan context holding the users' hints (e.g. `from-internal`): read() treats an extension without one as unknown. */
  readonly context: string;
  /** Timings; defaults suit production, tests shorten them. */
  readonly timing?: {
    readonly actionTimeoutMs?: number;
    readonly pingIntervalMs?: number;
    readonly backoffInitialMs?: number;
    readonly backoffMaxMs?: number;
  };
}

export type CallServicesLogger = AmiLogger;

/** What the dialplan's FILTER(0-9A-Za-z*#+,…) keeps: anything else is refused here rather than silently altered. */
const TOKEN = /^[0-9A-Za-z*#+]+$/;
const MAX_EXTENSION = 32;
const MAX_NUMBER = 64;
/** Seconds accepted for the no-answer delay and the follow-me delay. */
const MAX_SECONDS = 600;
const MAX_PRIORITY_CALLERS = 500;
/** Extensions read at once (each costs three AMI actions). */
const READ_BATCH = 25;
const MAX_READ = 2000;

const silent: CallServicesLogger = { debug() {}, info() {}, warn() {}, error() {} };

function refused(message: string): CallServicesError {
  return new CallServicesError('refused', message);
}

function token(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !TOKEN.test(value)) {
    throw refused(`${what} must be 1-${max} characters among 0-9 A-Z a-z * # +`);
  }
  return value;
}

function seconds(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_SECONDS) {
    throw refused(`${what} must be a whole number of seconds from ${min} to ${MAX_SECONDS}`);
  }
  return value;
}

export function checkExtension(extension: unknown): string {
  return token(extension, 'the extension', MAX_EXTENSION);
}

/** Validates a whole state (nothing is sent when any part is wrong); returns the normalised copy that is written. */
export function checkState(state: PbxCallServicesState): PbxCallServicesState {
  if (state === null || typeof state !== 'object') throw refused('no call services state');
  if (typeof state.dnd !== 'boolean') throw refused('dnd must be true or false');
  if (state.dndAction !== 'busy' && state.dndAction !== 'voicemail') throw refused('dndAction must be busy or voicemail');
  if (!Array.isArray(state.priorityCallers)) throw refused('priorityCallers must be a list');
  if (state.priorityCallers.length > MAX_PRIORITY_CALLERS) throw refused(`at most ${MAX_PRIORITY_CALLERS} priority callers`);
  const priorityCallers = [...new Set(state.priorityCallers.map((n) => token(n, 'a priority caller', MAX_NUMBER)))];
  const deposit = state.voicemailDeposit;
  if (typeof deposit !== 'string') throw refused('voicemailDeposit must be a number (or empty)');
  return {
    dnd: state.dnd,
    dndAction: state.dndAction,
    priorityCallers,
    voicemailDeposit: deposit === '' ? '' : token(deposit, 'the voicemail deposit number', MAX_NUMBER),
    ...(state.forwardAlways !== undefined ? { forwardAlways: token(state.forwardAlways, 'the forward-always target', MAX_NUMBER) } : {}),
    ...(state.forwardBusy !== undefined ? { forwardBusy: token(state.forwardBusy, 'the forward-when-busy target', MAX_NUMBER) } : {}),
    ...(state.forwardNoAnswer !== undefined
      ? {
          forwardNoAnswer: {
            target: token(state.forwardNoAnswer?.target, 'the no-answer forward target', MAX_NUMBER),
            seconds: seconds(state.forwardNoAnswer?.seconds, 'the no-answer delay', 1),
          },
        }
      : {}),
    ...(state.followMe !== undefined
      ? {
          followMe: {
            number: token(state.followMe?.number, 'the follow-me number', MAX_NUMBER),
            seconds: seconds(state.followMe?.seconds, 'the follow-me delay', 0),
          },
        }
      : {}),
  };
}

/** `DND/2001` → Family DND, Key 2001; `AMPUSER/2001/ringtimer` → Family AMPUSER, Key 2001/ringtimer (FreePBX's split). */
function dbPath(path: string): { Family: string; Key: string } {
  const slash = path.indexOf('/');
  return { Family: path.slice(0, slash), Key: path.slice(slash + 1) };
}

/**
 * Asterisk answers "Error" when there is nothing to delete (DBDel: "Database entry could not be deleted", DBDelTree and
 * DBGet: "Database entry not found"). For us that is the wanted end state, not a failure.
 */
function isMissing(e: unknown): boolean {
  return e instanceof AmiError && e.code === 'refused' && /not found|could not be deleted/i.test(e.response?.Message ?? '');
}

export class AsteriskCallServicesProvider implements CallServicesProvider {
  readonly #config: AsteriskCallServicesConfig;
  readonly #log: CallServicesLogger;
  readonly #ami: AmiClient;
  #started = false;

  constructor(config: AsteriskCallServicesConfig, logger?: CallServicesLogger) {
    this.#config = config;
    this.#log = logger ?? silent;
    this.#ami = amiClientFor(config, this.#log);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#ami.start();
  }

  async stop(): Promise<void> {
    await this.#ami.stop();
  }

  /**
   * Writes the whole state, one action at a time (the order is part of the contract, see the unit test): plain keys
   * first, do-not-disturb last, so a call arriving mid-way meets the new forwards rather than a half-written DND.
   * Priority callers are replaced as a set: the tree is deleted, then each number put back, so numbers removed from
   * the list do not linger as keys.
   */
  async apply(extension: string, state: PbxCallServicesState): Promise<void> {
    const ext = checkExtension(extension);
    const s = checkState(state);
    await this.#ready();
    await this.#call(async () => {
      await this.#set(`RC/${ext}/dndaction`, s.dndAction);
      await this.#set(`RC/${ext}/vmdeposit`, s.voicemailDeposit || undefined);
      await this.#tolerate(this.#ami.action({ Action: 'DBDelTree', ...dbPath(`RC/${ext}/priority`) }));
      for (const n of s.priorityCallers) await this.#set(`RC/${ext}/priority/${n}`, '1');
      await this.#set(`CF/${ext}`, s.forwardAlways);
      await this.#set(`CFB/${ext}`, s.forwardBusy);
      await this.#set(`CFU/${ext}`, s.forwardNoAnswer?.target);
      await this.#ringTimer(ext, s.forwardNoAnswer?.seconds);
      await this.#set(`RC/${ext}/followme`, s.followMe?.number);
      await this.#set(`RC/${ext}/followme_delay`, s.followMe ? String(s.followMe.seconds) : undefined);
      await this.#set(`DND/${ext}`, s.dnd ? 'YES' : undefined);
      // Off is INVALID rather than FreePBX's NOT_INUSE: the hint shows the "highest" state of its devices, and
      // NOT_INUSE would turn an unregistered user's BLF from unavailable to idle. INVALID is below every other state.
      await this.#ami.action({ Action: 'Setvar', Variable: `DEVICE_STATE(Custom:DND${ext})`, Value: s.dnd ? 'BUSY' : 'INVALID' });
    });
    this.#log.debug(`call services of ${ext} written (dnd ${s.dnd ? 'on' : 'off'})`);
  }

  /**
   * DND and forward-always of colleagues, for the lamp next to their presence. An extension without a hint in the
   * configured context (ExtensionState Status -1) is not a user we can speak of: it is left out, as are malformed ones.
   */
  async read(extensions: readonly string[]): Promise<ReadonlyMap<string, PbxColleagueServices>> {
    const wanted = [...new Set(extensions)].filter((e) => typeof e === 'string' && e.length <= MAX_EXTENSION && TOKEN.test(e));
    if (wanted.length > MAX_READ) throw refused(`at most ${MAX_READ} extensions per read`);
    const out = new Map<string, PbxColleagueServices>();
    if (wanted.length === 0) return out;
    await this.#ready();
    await this.#call(async () => {
      for (let i = 0; i < wanted.length; i += READ_BATCH) {
        const batch = wanted.slice(i, i + READ_BATCH);
        const found = await Promise.all(batch.map((ext) => this.#readOne(ext)));
        batch.forEach((ext, j) => {
          const services = found[j];
          if (services) out.set(ext, services);
        });
      }
    });
    return out;
  }

  async #readOne(ext: string): Promise<PbxColleagueServices | undefined> {
    const [hint, dnd, cf] = await Promise.all([
      this.#ami.action({ Action: 'ExtensionState', Exten: ext, Context: this.#config.context }),
      this.#get(`DND/${ext}`),
      this.#get(`CF/${ext}`),
    ]);
    if (hint.Status === '-1') return undefined;
    // The PBX's values are data from elsewhere (a phone's feature code, an admin): only well-formed ones go out.
    const forward = cf !== undefined && cf.length <= MAX_NUMBER && TOKEN.test(cf) ? cf : undefined;
    return { dnd: dnd === 'YES', ...(forward ? { forwardAlways: forward } : {}) };
  }

  /**
   * FreePBX's `AMPUSER/<ext>/ringtimer` is the user's ring time, also used by the rest of FreePBX's dialplan. While
   * no-answer forwarding is on we own it; the value it had before is kept in `RC/<ext>/ringtimer_saved` ("" when
   * there was none) and put back when the forwarding is turned off, so an administrator's setting survives.
   */
  async #ringTimer(ext: string, secondsOn: number | undefined): Promise<void> {
    const saved = await this.#get(`RC/${ext}/ringtimer_saved`);
    if (secondsOn !== undefined) {
      if (saved === undefined) await this.#set(`RC/${ext}/ringtimer_saved`, (await this.#get(`AMPUSER/${ext}/ringtimer`)) ?? '');
      await this.#set(`AMPUSER/${ext}/ringtimer`, String(secondsOn));
      return;
    }
    if (saved === undefined) return;
    await this.#set(`AMPUSER/${ext}/ringtimer`, /^[0-9]{1,4}$/.test(saved) ? saved : undefined);
    await this.#set(`RC/${ext}/ringtimer_saved`, undefined);
  }

  /**
   * DBPut, or a delete when `value` is undefined (a missing key is fine). An empty string is stored as empty.
   * Deletes use DBDelTree on the key's own path, not DBDel: DBDel of a missing key logs a WARNING on the PBX, and
   * most deletes here are of keys already gone. Our keys have no children, so the tree is the key.
   */
  async #set(path: string, value: string | undefined): Promise<void> {
    if (value === undefined) {
      await this.#tolerate(this.#ami.action({ Action: 'DBDelTree', ...dbPath(path) }));
      return;
    }
    await this.#ami.action({ Action: 'DBPut', ...dbPath(path), Val: value });
  }

  /** DBGet: the value, or undefined when the key does not exist. */
  async #get(path: string): Promise<string | undefined> {
    try {
      const events = await this.#ami.list({ Action: 'DBGet', ...dbPath(path) });
      return events.find((e) => e.Event === 'DBGetResponse')?.Val;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async #tolerate(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  /**
   * Waits for the first connection when it is under way (apply() right after start() is normal); otherwise fails
   * at once with what the connection last said, rather than queueing changes for a PBX that is not there.
   */
  async #ready(): Promise<void> {
    if (this.#ami.connected) return;
    const now = this.#ami.state;
    if (now.state !== 'connecting') throw stateError(now, this.#started);
    const waitMs = this.#config.timing?.actionTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new CallServicesError('timeout', `no AMI connection to ${this.#config.ami.host} within ${waitMs} ms`));
      }, waitMs);
      const off = this.#ami.onState((s) => {
        if (s.state === 'connecting') return;
        clearTimeout(timer);
        off();
        if (s.state === 'connected') resolve();
        else reject(stateError(s, this.#started));
      });
    });
  }

  /** AMI errors → CallServicesError (errors cross the boundary as data the service can show). */
  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof CallServicesError) throw e;
      if (e instanceof AmiError) throw fromAmi(e);
      throw e;
    }
  }
}

function fromAmi(e: AmiError): CallServicesError {
  switch (e.code) {
    case 'refused':
    case 'auth-failed':
      // A refused action (e.g. "Permission denied": the AMI user lacks write=system,call) or login.
      return new CallServicesError('refused', e.message);
    case 'timeout':
      return new CallServicesError('timeout', e.message);
    case 'unreachable':
    case 'protocol':
    case 'stopped':
      return new CallServicesError('unreachable', e.message);
    default:
      return missing(e.code);
  }
}

function stateError(s: AmiConnectionState, started: boolean): CallServicesError {
  switch (s.state) {
    case 'auth-failed':
      return new CallServicesError('refused', s.error.message);
    case 'unreachable':
      return new CallServicesError('unreachable', s.error.message);
    case 'stopped':
      return new CallServicesError('unreachable', started ? 'call services provider stopped' : 'call services provider not started');
    case 'connecting':
    case 'connected':
      return new CallServicesError('unreachable', `AMI ${s.state}`);
    default:
      return missing(s);
  }
}

function missing(x: never): never {
  throw new Error(`unhandled case: ${String(x)}`);
}
