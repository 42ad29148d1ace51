/**
 * The receptionist's call-routing services (issue 12): do-not-disturb scope, forwarding, follow-me, priority callers,
 * blacklist, anonymous callers and the presented number. A ConsoleExtension beside the call desk.
 *
 * Each service is carried out in the best place available, and the view says which (`ServicesView.where`):
 * - **pbx**: the PBX management connection is configured (the same one as the Queued calls pane): the state is written
 *   on the PBX (Asterisk: AstDB keys its dialplan honours, docs/pbx-asterisk.md), so it works for every device of the
 *   receptionist and while the console is closed.
 * - **codes**: the administrator gave feature codes (`*78`, `*72<number>` …): the console dials them silently.
 * - **console**: neither: the console does it on the calls it sees (302 to forward, 486 to refuse) — only while it
 *   runs, which the Services tab says.
 * Screening (blacklist, anonymous, priority callers through DND) is always done by the console on its own calls; the
 * priority callers are also written on the PBX, since DND everywhere refuses there before the console sees the call.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { DialOptions, SipLogger, Softphone } from '../../sip-core/api/softphone';
import type { Preferences, Snapshot } from '../contract/dto';
import type { EventName, Events } from '../contract/contract';
import {
  DEFAULT_CALL_SERVICES,
  VOICEMAIL_TARGET,
  type CallServices,
  type CallServicesPatch,
  type FeatureCodes,
  type LockableService,
  type ColleagueServicesView,
  type ServicePlace,
  type ServicesAdmin,
  type ServicesApplyView,
  type ServicesProvisioning,
  type ServicesView,
} from '../contract/services';
import type { CallServicesProvider, PbxCallServicesState } from '../../pbx/api/call-services';
import { CallServicesError } from '../../pbx/api/call-services';
import { phoneForms } from '../storage/phone';
import { screenPopTemplateProblem } from './screen-pop';
import { CommandFailure, type ConsoleExtension, type IncomingDecision, type ScreenReason } from './console-service';
import type { PbxConfig, Provisioning } from './provisioning';

type Broadcast = <E extends EventName>(event: E, payload: Events[E]) => void;

export type CallServicesProviderFactory = (config: PbxConfig, logger?: SipLogger) => Promise<CallServicesProvider>;

export const asteriskCallServicesFactory: CallServicesProviderFactory = async (config, logger) => {
  const { createAsteriskCallServicesProvider } = await import('../../pbx/asterisk');
  return createAsteriskCallServicesProvider(config, logger);
};

/** What the services need from the call desk (ConsoleService implements it). */
export interface ServicesHost {
  preferences(): Preferences;
  primaryAccount(): { readonly user: string } | undefined;
  persistNow?(): void;
}

/** The PBX connection, owned by the queue service (Settings › PBX). */
export interface PbxConnectionSource {
  pbxConfig(): PbxConfig | undefined;
  onDidChangeConfig(listener: () => void): () => void;
}

export interface CallServicesOptions {
  readonly pbx?: PbxConnectionSource;
  readonly createProvider?: CallServicesProviderFactory;
  readonly logger?: SipLogger;
  /** How long a silent feature-code call may take (ms, default 10 000). */
  readonly featureCodeTimeoutMs?: number;
  /** Applying on the PBX / by codes failed (reason code): the call desk says so in the message area. */
  readonly onApplyFailed?: (reason: string) => void;
  /** Colleagues whose DND / forwarding the PBX is asked about (the favorites), shown next to their lamps. */
  readonly colleagues?: () => readonly string[];
  /** How often colleagues' PBX state is read (ms, default 30 000). */
  readonly colleaguesEveryMs?: number;
}

const DEFAULT_ADMIN: ServicesAdmin = { identities: [], identityHeader: 'pai', voicemailDeposit: '*{ext}', locked: [] };

/** Callers that present no usable number (RFC 3323 anonymous, "Restricted", "Unknown" …). */
export function isAnonymousCaller(remote: CallSnapshot['remote']): boolean {
  const user = remote.user.trim();
  if (user === '' || /anonymous\.invalid/i.test(remote.uri)) return true;
  return /^(anonymous|unknown|restricted|private|unavailable|withheld|p|o)$/i.test(user) || !/\d/.test(user);
}

/** The digits a PBX dials for a typed number ("01 23 45 67 89" → "0123456789", "+33 1…" → "+331…"). */
export function dialable(n: string): string {
  return n.trim().replace(/[\s.\-/()]/g, '');
}

/** Compares numbers in E.164 form when they are public numbers, by digits for extensions. */
export class NumberSet {
  readonly #keys = new Set<string>();
  constructor(
    numbers: readonly string[],
    private readonly country: CountryCode,
  ) {
    for (const n of numbers) for (const k of this.#keysOf(n)) this.#keys.add(k);
  }
  #keysOf(n: string): string[] {
    const f = phoneForms(n, this.country);
    return f.e164 ? [f.e164] : f.digits ? [f.digits] : [n.trim().toLowerCase()];
  }
  has(n: string): boolean {
    return this.#keysOf(n).some((k) => this.#keys.has(k));
  }
  get size(): number {
    return this.#keys.size;
  }
}

/** The PBX's forms of the priority numbers: as typed (dialable) and E.164 when different, so either presentation matches. */
function pbxNumbers(numbers: readonly string[], country: CountryCode): string[] {
  const out = new Set<string>();
  for (const n of numbers) {
    const d = dialable(n);
    if (/^[0-9+*#]+$/.test(d)) out.add(d.replace(/^\+/, '+'));
    const e = phoneForms(n, country).e164;
    if (e) {
      out.add(e);
      out.add(e.slice(1));
    }
  }
  return [...out].filter((n) => /^\+?[0-9*#]{1,32}$/.test(n));
}

/** Codes mode: what the PBX was last told (assumed all off at start: the console turned them off when it could). */
interface CodesState {
  readonly dnd: boolean;
  readonly forwardAlways?: string;
  readonly forwardBusy?: string;
  readonly forwardNoAnswer?: string;
}

export class CallServicesService implements ConsoleExtension {
  #broadcast: Broadcast = () => undefined;
  #host: ServicesHost | undefined;
  #settings: CallServices = DEFAULT_CALL_SERVICES;
  #admin: ServicesAdmin = DEFAULT_ADMIN;
  #country: CountryCode = 'FR';
  #softphone: Softphone | undefined;
  #softphoneOff: (() => void) | undefined;
  #provider: CallServicesProvider | undefined;
  #providerKey: string | undefined;
  #apply: ServicesApplyView = { state: 'idle' };
  #codes: CodesState = { dnd: false };
  /** One application at a time; a change during one re-runs it once at the end. */
  #running: Promise<void> | undefined;
  #again = false;
  #lastApplied = '';
  #stopped = false;
  #colleagues: Readonly<Record<string, ColleagueServicesView>> | undefined;
  #colleaguesTimer: NodeJS.Timeout | undefined;
  readonly #options: CallServicesOptions;
  readonly #createProvider: CallServicesProviderFactory;

  constructor(options: CallServicesOptions = {}) {
    this.#options = options;
    this.#createProvider = options.createProvider ?? asteriskCallServicesFactory;
    options.pbx?.onDidChangeConfig(() => this.#reconcileProvider());
  }

  readonly handlers: ConsoleExtension['handlers'] = {
    'services.update': async (patch) => {
      for (const field of ['incomingUrl', 'outgoingUrl'] as const) {
        const problem = patch.screenPop ? screenPopTemplateProblem(patch.screenPop[field]) : undefined;
        if (problem) throw new CommandFailure('bad-request', `screenPop.${field}: ${problem.message}`, `screenPop.error.${problem.code}`, { field: `screenPop.${field}` });
      }
      this.#settings = this.#merge(this.#settings, patch, true);
      this.#host?.persistNow?.();
      this.#changed();
      await this.#applyNow();
      return this.view();
    },
    'services.retry': async () => {
      this.#lastApplied = '';
      await this.#applyNow();
      return this.view();
    },
  };

  start(host: ServicesHost): void {
    this.#host = host;
    this.#reconcileProvider();
  }

  bind(broadcast: Broadcast): void {
    this.#broadcast = broadcast;
  }

  provision(p: Provisioning): void {
    this.#country = (p.directories?.defaultCountry as CountryCode | undefined) ?? this.#country;
    const s = p.services;
    if (!s) return;
    const { identities, identityHeader, voicemailDeposit, featureCodes, locked, ...defaults } = s;
    this.#admin = {
      identities: identities ?? [],
      identityHeader: identityHeader ?? 'pai',
      voicemailDeposit: voicemailDeposit ?? DEFAULT_ADMIN.voicemailDeposit,
      ...(featureCodes && { featureCodes }),
      locked: locked ?? [],
    };
    this.#settings = this.#merge(DEFAULT_CALL_SERVICES, defaults, false);
    this.#changed();
  }

  persisted(): Pick<Provisioning, 'services'> {
    const a = this.#admin;
    const services: ServicesProvisioning = {
      ...this.#settings,
      priorityCallers: [...this.#settings.priorityCallers],
      blacklist: [...this.#settings.blacklist],
      identities: a.identities.map((i) => ({ ...i })),
      identityHeader: a.identityHeader,
      voicemailDeposit: a.voicemailDeposit,
      ...(a.featureCodes && { featureCodes: { ...a.featureCodes } }),
      locked: [...a.locked],
    };
    return { services };
  }

  snapshot(): Partial<Snapshot> {
    return { services: this.view() };
  }

  preferencesChanged(): void {
    this.#changed();
    void this.#applyNow();
  }

  primarySoftphone(softphone: Softphone | undefined): void {
    this.#softphoneOff?.();
    this.#softphone = softphone;
    // Feature codes need the phone registered: apply when it gets there (also after a restart).
    this.#softphoneOff = softphone?.onDidChangeRegistration((r) => {
      if (r.state === 'registered' && this.#place().forward === 'codes' && this.#apply.state !== 'applied') void this.#applyNow();
    });
    this.#reconcileProvider();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#colleaguesTimer);
    this.#softphoneOff?.();
    await this.#running?.catch(() => undefined);
    const p = this.#provider;
    this.#provider = undefined;
    await p?.stop().catch(() => undefined);
  }

  settings(): CallServices {
    return this.#settings;
  }

  /** Default country for numbers typed without one (directories.defaultCountry). */
  country(): CountryCode {
    return this.#country;
  }

  view(): ServicesView {
    return {
      settings: this.#settings,
      admin: this.#admin,
      where: this.#place(),
      apply: this.#apply,
      ...(this.#colleagues && { colleagues: this.#colleagues }),
    };
  }

  /** Colleagues' DND / forward-always from the PBX (PBX connection only), re-read every `colleaguesEveryMs`. */
  async refreshColleagues(): Promise<void> {
    const list = this.#options.colleagues?.() ?? [];
    if (this.#stopped || list.length === 0 || !this.#options.pbx?.pbxConfig()) {
      if (this.#colleagues) {
        this.#colleagues = undefined;
        this.#changed();
      }
      return;
    }
    try {
      const provider = await this.#ensureProvider();
      if (!provider) return;
      const read = await provider.read(list.slice(0, 500));
      const next: Record<string, ColleagueServicesView> = {};
      for (const [ext, v] of read) {
        if (v.dnd || v.forwardAlways) next[ext] = { ...(v.dnd && { dnd: true }), ...(v.forwardAlways && { forwardAlways: v.forwardAlways }) };
      }
      if (JSON.stringify(next) !== JSON.stringify(this.#colleagues ?? {})) {
        this.#colleagues = next;
        this.#changed();
      }
    } catch (e) {
      this.#options.logger?.debug(`services: reading colleagues failed: ${String(e)}`);
    }
  }

  #scheduleColleagues(): void {
    clearInterval(this.#colleaguesTimer);
    this.#colleaguesTimer = undefined;
    if (this.#stopped || !this.#options.colleagues || !this.#options.pbx?.pbxConfig()) return;
    void this.refreshColleagues();
    this.#colleaguesTimer = setInterval(() => void this.refreshColleagues(), this.#options.colleaguesEveryMs ?? 30_000);
    this.#colleaguesTimer.unref?.();
  }

  // ───────────────────────────── what the console does itself ─────────────────────────────

  /** The verdict on an incoming call (ConsoleService asks before it rings). `busy`: another call is up. */
  screenIncoming(call: CallSnapshot, context: { readonly busy: boolean }): IncomingDecision {
    const s = this.#settings;
    const remote = call.remote;
    const priority = s.priorityCallers.length > 0 && !isAnonymousCaller(remote) && new NumberSet(s.priorityCallers, this.#country).has(remote.user);
    if (!priority) {
      if (s.blacklist.length > 0 && !isAnonymousCaller(remote) && new NumberSet(s.blacklist, this.#country).has(remote.user)) {
        return this.#refuse(s.blacklistAction, 'blacklist');
      }
      if (s.anonymous !== 'allow' && isAnonymousCaller(remote)) return this.#refuse(s.anonymous, 'anonymous');
      // DND everywhere on the PBX: a call that still comes is refused here too (the PBX may not know the rule yet).
      if (this.#host?.preferences().doNotDisturb) return this.#refuse(s.dndAction, 'dnd');
    }
    if (this.#place().forward === 'console' || this.#place().forward === 'codes') {
      const codes = this.#admin.featureCodes;
      const consoleDoes = (on: keyof FeatureCodes): boolean => this.#place().forward === 'console' || !codes?.[on];
      const warningRing = s.warningRing;
      const vm = (t: string) => (t === VOICEMAIL_TARGET ? { voicemail: true } : {});
      if (s.forwardAlways.enabled && s.forwardAlways.target && consoleDoes('forwardAlwaysOn')) {
        return { action: 'deflect', target: this.#target(s.forwardAlways.target), reason: 'forward-always', warningRing, ...vm(s.forwardAlways.target) };
      }
      if (context.busy && s.forwardBusy.enabled && s.forwardBusy.target && consoleDoes('forwardBusyOn')) {
        return { action: 'deflect', target: this.#target(s.forwardBusy.target), reason: 'forward-busy', warningRing, ...vm(s.forwardBusy.target) };
      }
      const na = s.forwardNoAnswer;
      if (na.enabled && na.target && consoleDoes('forwardNoAnswerOn')) {
        return { action: 'ring', priority, noAnswer: { target: this.#target(na.target), seconds: na.seconds, warningRing, ...vm(na.target) } };
      }
    }
    return { action: 'ring', priority };
  }

  /** Dial options for an outgoing call: the presented number (`presentAs` overrides the setting for one call). */
  dialOptions(presentAs?: string): DialOptions | undefined {
    if (presentAs !== undefined && presentAs !== this.#settings.presentAs && this.#admin.locked.includes('presentAs')) {
      throw new CommandFailure('bad-request', 'presentAs: set by your administrator', 'error.presentAsLocked', { field: 'presentAs' });
    }
    const choice = presentAs ?? this.#settings.presentAs;
    if (choice === '') return undefined;
    if (choice === 'anonymous') return { identity: 'anonymous', identityHeader: this.#admin.identityHeader };
    const identity = this.#admin.identities.find((i) => i.number === choice);
    if (!identity) {
      throw new CommandFailure('bad-request', 'This number is not one your administrator allows you to present', 'services.error.presentAs', { field: 'presentAs' });
    }
    return { identity: { user: dialable(identity.number) }, identityHeader: this.#admin.identityHeader };
  }

  #refuse(action: 'busy' | 'voicemail', reason: ScreenReason): IncomingDecision {
    return action === 'voicemail'
      ? { action: 'deflect', target: this.#deposit(), reason, warningRing: false, voicemail: true }
      : { action: 'refuse', code: 486, reason };
  }

  /** The receptionist's extension on the PBX (the queue agent interface wins: the WebRTC identity of a user). */
  #extension(): string | undefined {
    const agent = this.#options.pbx?.pbxConfig()?.agentInterface;
    if (agent) return agent.replace(/^.*\//, '');
    return this.#host?.primaryAccount()?.user;
  }

  #deposit(): string {
    return this.#admin.voicemailDeposit.replace('{ext}', this.#extension() ?? '');
  }

  #target(t: string): string {
    return t === VOICEMAIL_TARGET ? this.#deposit() : dialable(t);
  }

  // ───────────────────────────── settings ─────────────────────────────

  #merge(base: CallServices, patch: CallServicesPatch, enforceLocks: boolean): CallServices {
    const next: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      const key = k as LockableService;
      if (enforceLocks && this.#admin.locked.includes(key) && JSON.stringify(v) !== JSON.stringify(base[key])) {
        throw new CommandFailure('bad-request', `${k}: set by your administrator`, 'error.serviceLocked', { field: k });
      }
      next[k] = v;
    }
    const merged = next as unknown as CallServices;
    const p = merged.presentAs;
    if (p !== '' && p !== 'anonymous' && !this.#admin.identities.some((i) => i.number === p)) {
      if (enforceLocks) {
        throw new CommandFailure('bad-request', 'presentAs: not one of the numbers your administrator allows', 'services.error.presentAs', { field: 'presentAs' });
      }
      return { ...merged, presentAs: '' };
    }
    for (const [name, rule] of [
      ['forwardAlways', merged.forwardAlways],
      ['forwardBusy', merged.forwardBusy],
      ['forwardNoAnswer', merged.forwardNoAnswer],
    ] as const) {
      if (enforceLocks && rule.enabled && rule.target === '') {
        throw new CommandFailure('bad-request', `${name}.target: enter a number or choose voicemail`, 'services.error.forwardTarget', { field: `${name}.target` });
      }
    }
    if (enforceLocks && merged.followMe.enabled && merged.followMe.number === '') {
      throw new CommandFailure('bad-request', 'followMe.number: enter the number to ring', 'services.error.followMeNumber', { field: 'followMe.number' });
    }
    return merged;
  }

  /** Where each service is carried out now. */
  #place(): ServicesView['where'] {
    const pbx = this.#options.pbx?.pbxConfig() !== undefined;
    const codes = this.#admin.featureCodes;
    const dnd: ServicePlace =
      this.#settings.dndScope === 'console' ? 'console' : pbx ? 'pbx' : codes?.dndOn && codes.dndOff ? 'codes' : 'console';
    const forward: ServicePlace = pbx ? 'pbx' : codes?.forwardAlwaysOn && codes.forwardAlwaysOff ? 'codes' : 'console';
    return { dnd, forward, followMe: pbx ? 'pbx' : 'unavailable', screening: 'console' };
  }

  #changed(): void {
    if (!this.#stopped) this.#broadcast('services.changed', this.view());
  }

  #setApply(a: ServicesApplyView): void {
    this.#apply = a;
    this.#changed();
  }

  // ───────────────────────────── applying on the PBX / by codes ─────────────────────────────

  #pbxState(): PbxCallServicesState | undefined {
    const s = this.#settings;
    const prefs = this.#host?.preferences();
    if (!prefs) return undefined;
    const rule = (r: { enabled: boolean; target: string }): string | undefined => (r.enabled && r.target ? this.#target(r.target) : undefined);
    const always = rule(s.forwardAlways);
    const busy = rule(s.forwardBusy);
    const na = rule(s.forwardNoAnswer);
    return {
      dnd: prefs.doNotDisturb && s.dndScope === 'everywhere',
      dndAction: s.dndAction,
      priorityCallers: pbxNumbers(s.priorityCallers, this.#country),
      ...(always && { forwardAlways: always }),
      ...(busy && { forwardBusy: busy }),
      ...(na && { forwardNoAnswer: { target: na, seconds: s.forwardNoAnswer.seconds } }),
      ...(s.followMe.enabled && s.followMe.number && { followMe: { number: dialable(s.followMe.number), seconds: s.followMe.seconds } }),
      voicemailDeposit: this.#deposit(),
    };
  }

  /** Apply now (serialised); resolves when the current state is applied or has failed. */
  #applyNow(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      do {
        this.#again = false;
        await this.#applyOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #applyOnce(): Promise<void> {
    const where = this.#place();
    const state = this.#pbxState();
    const ext = this.#extension();
    if (!state || !ext || this.#stopped) return;
    const needsPbx = where.dnd === 'pbx' || where.forward === 'pbx';
    const needsCodes = where.dnd === 'codes' || where.forward === 'codes';
    if (!needsPbx && !needsCodes) {
      if (this.#apply.state !== 'idle') this.#setApply({ state: 'idle' });
      return;
    }
    const key = JSON.stringify([where, state, ext]);
    if (key === this.#lastApplied && this.#apply.state === 'applied') return;
    this.#setApply({ state: 'applying' });
    try {
      if (needsPbx) {
        const provider = await this.#ensureProvider();
        if (!provider) throw new CallServicesError('unreachable', 'The PBX connection is not set up');
        await provider.apply(ext, state);
      } else {
        await this.#applyCodes(state, where);
      }
      this.#lastApplied = key;
      this.#setApply({ state: 'applied', at: Date.now() });
    } catch (e) {
      const code = e instanceof CallServicesError ? e.code : e instanceof FeatureCodeError ? e.code : 'refused';
      this.#options.logger?.warn(`services: applying failed (${code}): ${String(e)}`);
      // Said once per failure (not again for each retry of the same problem), in the info pane's message area.
      if (this.#apply.state !== 'failed' || this.#apply.error !== code) this.#options.onApplyFailed?.(code);
      this.#setApply({ state: 'failed', error: code });
    }
  }

  async #applyCodes(state: PbxCallServicesState, where: ServicesView['where']): Promise<void> {
    const codes = this.#admin.featureCodes ?? {};
    const want: CodesState = {
      dnd: where.dnd === 'codes' && state.dnd,
      ...(where.forward === 'codes' && state.forwardAlways && { forwardAlways: state.forwardAlways }),
      ...(where.forward === 'codes' && codes.forwardBusyOn && state.forwardBusy && { forwardBusy: state.forwardBusy }),
      ...(where.forward === 'codes' && codes.forwardNoAnswerOn && state.forwardNoAnswer && { forwardNoAnswer: state.forwardNoAnswer.target }),
    };
    const had = this.#codes;
    if (want.dnd !== had.dnd) {
      const code = want.dnd ? codes.dndOn : codes.dndOff;
      if (code) await this.#dialCode(code);
      this.#codes = { ...this.#codes, dnd: want.dnd };
    }
    const rules = [
      ['forwardAlways', codes.forwardAlwaysOn, codes.forwardAlwaysOff],
      ['forwardBusy', codes.forwardBusyOn, codes.forwardBusyOff],
      ['forwardNoAnswer', codes.forwardNoAnswerOn, codes.forwardNoAnswerOff],
    ] as const;
    for (const [name, on, off] of rules) {
      const target = want[name];
      if (target === had[name]) continue;
      if (target !== undefined && on) await this.#dialCode(`${on}${target}`);
      else if (target === undefined && off) await this.#dialCode(off);
      const next: Record<string, unknown> = { ...this.#codes };
      if (target === undefined) delete next[name];
      else next[name] = target;
      this.#codes = next as unknown as CodesState;
    }
  }

  /** Dial a feature code without audio or a line; success when the PBX answers or ends the call normally. */
  async #dialCode(code: string): Promise<void> {
    const phone = this.#softphone;
    if (!phone || phone.registration().state !== 'registered') throw new FeatureCodeError('not-registered', 'The phone is not registered');
    const call = phone.dial(code, { silent: true });
    const timeoutMs = this.#options.featureCodeTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => {
        off();
        call.hangup().catch(() => undefined);
        if (answered) resolve();
        else reject(new FeatureCodeError('timeout', `Feature code ${code}: no answer`));
      }, timeoutMs);
      const off = call.onDidChange((s) => {
        if (s.state === 'active' && !answered) {
          answered = true;
          // Give the PBX a moment to run the code's dialplan, then hang up (most PBXs hang up first).
          setTimeout(() => call.hangup().catch(() => undefined), 1500).unref?.();
        }
        if (s.state !== 'ended') return;
        clearTimeout(timer);
        off();
        if (answered || s.endReason === 'remote-hangup') resolve();
        else reject(new FeatureCodeError('code-failed', `Feature code ${code}: ${s.endReason ?? 'failed'} ${s.endStatus ?? ''}`));
      });
    });
  }

  #reconcileProvider(): void {
    const config = this.#options.pbx?.pbxConfig();
    const key = config ? JSON.stringify(config) : undefined;
    const changed = key !== this.#providerKey;
    if (changed) {
      this.#providerKey = key;
      const old = this.#provider;
      this.#provider = undefined;
      void old?.stop().catch(() => undefined);
      this.#lastApplied = '';
    }
    this.#changed();
    if (this.#host) {
      void this.#applyNow();
      if (changed || (key !== undefined && !this.#colleaguesTimer)) this.#scheduleColleagues();
    }
  }

  async #ensureProvider(): Promise<CallServicesProvider | undefined> {
    if (this.#provider) return this.#provider;
    const config = this.#options.pbx?.pbxConfig();
    if (!config) return undefined;
    const key = this.#providerKey;
    const provider = await this.#createProvider(config, this.#options.logger);
    if (key !== this.#providerKey || this.#stopped) {
      await provider.stop().catch(() => undefined);
      return undefined;
    }
    await provider.start();
    this.#provider = provider;
    return provider;
  }
}

export class FeatureCodeError extends Error {
  constructor(
    readonly code: 'not-registered' | 'timeout' | 'code-failed',
    message: string,
  ) {
    super(message);
    this.name = 'FeatureCodeError';
  }
}
