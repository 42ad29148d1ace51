/**
 * Voicemail list (issue 13 item 7): the receptionist's mailbox on the PBX — new / old messages with caller (and the
 * contact it is), date and duration — with Play on the console, Mark as read and Delete. A ConsoleExtension: it
 * answers `voicemail.*`, builds the `voicemail` part of the snapshot and pushes `voicemail.changed`.
 *
 * The PBX side is a provider-neutral VoicemailProvider (pbx/api/voicemail.ts) on the PBX management connection of
 * Settings › PBX (the queues'); the Asterisk one is loaded lazily. Without that connection the list is
 * `not-configured` and the panel offers only "Call voicemail" (`call.voicemail`): no list is invented.
 *
 * Play: the PBX calls the console's own endpoint and plays the message. That call is answered by the console itself
 * only when it is the one we asked for — the rule (`isPlaybackCall`): a play asked within PLAY_WINDOW_MS, an INVITE
 * carrying an auto-answer request that sip-core believed (only the PBX's own INVITEs, or a trusted proxy's: trust.ts),
 * and the mailbox as the caller number (what the provider sets). Otherwise the call just rings like any other.
 */
import type { EventName, Events } from '../contract/contract';
import type { CallView, Snapshot } from '../contract/dto';
import { NOT_CONFIGURED_VOICEMAIL, type VoicemailMessageView, type VoicemailState, type VoicemailView } from '../contract/voicemail';
import { VoicemailError, type VoicemailProvider, type VoicemailSnapshot } from '../../pbx/api/voicemail';
import type { CallSnapshot } from '../../sip-core/api/call';
import type { SipLogger, Softphone } from '../../sip-core/api/softphone';
import { CommandFailure, type ConsoleExtension, type IncomingDecision } from './console-service';
import type { PbxConnectionSource } from './call-services';
import type { PbxConfig } from './provisioning';

type Broadcast = <E extends EventName>(event: E, payload: Events[E]) => void;

/** What the provider is made for: the PBX connection, the mailbox and the voicemail context. */
export interface VoicemailTarget {
  readonly config: PbxConfig;
  readonly mailbox: string;
  readonly context: string;
}

export type VoicemailProviderFactory = (target: VoicemailTarget, logger?: SipLogger) => VoicemailProvider | Promise<VoicemailProvider>;

/** The real one: pbx/asterisk, imported on first use. */
export const asteriskVoicemailFactory: VoicemailProviderFactory = async ({ config, mailbox, context }, logger) => {
  const { createAsteriskVoicemailProvider } = await import('../../pbx/asterisk');
  return createAsteriskVoicemailProvider({ ami: { ...config.ami }, mailbox, voicemailContext: context }, logger);
};

/** How long after Play the PBX's call to the console is recognised as the playback (and answered by itself). */
export const PLAY_WINDOW_MS = 30_000;

export interface VoicemailHost {
  primaryAccount(): { readonly user: string } | undefined;
}

export interface VoicemailServiceOptions {
  readonly pbx?: PbxConnectionSource;
  readonly createProvider?: VoicemailProviderFactory;
  /** The contact a number belongs to (the console's directories). */
  readonly lookup?: (number: string) => Promise<string | undefined>;
  /** Answer a call of the console (the playback call). */
  readonly answer?: (callId: string) => Promise<void>;
  /** The name the playback call shows (the receptionist's language is the renderer's: a neutral word). */
  readonly playbackName?: string;
  readonly logger?: SipLogger;
  readonly playWindowMs?: number;
}

/** The rule for answering by ourselves (see the file comment). */
export function isPlaybackCall(call: Pick<CallSnapshot, 'direction' | 'remote' | 'autoAnswerAfter'>, mailbox: string | undefined, askedAt: number | undefined, now: number, windowMs = PLAY_WINDOW_MS): boolean {
  return (
    call.direction === 'incoming' &&
    mailbox !== undefined &&
    askedAt !== undefined &&
    now - askedAt >= 0 &&
    now - askedAt <= windowMs &&
    call.autoAnswerAfter !== undefined &&
    call.remote.user === mailbox
  );
}

interface PlayState {
  readonly id: string;
  readonly at: number;
  callId?: string;
  answered?: boolean;
}

export class VoicemailService implements ConsoleExtension {
  #broadcast: Broadcast = () => undefined;
  #host: VoicemailHost | undefined;
  readonly #options: VoicemailServiceOptions;
  readonly #createProvider: VoicemailProviderFactory;
  #provider: VoicemailProvider | undefined;
  #providerKey: string | undefined;
  #target: VoicemailTarget | undefined;
  #providerOff: (() => void) | undefined;
  #lifecycle: Promise<void> = Promise.resolve();
  #pbx: VoicemailSnapshot | undefined;
  /** number → contact name (undefined: looked up, nobody); refreshed with each listing. */
  readonly #names = new Map<string, string | undefined>();
  /** The play asked for, and the console call that turned out to be it. */
  #play: PlayState | undefined;
  #playTimer: NodeJS.Timeout | undefined;
  /** The console's calls not ended (from callChanged). */
  readonly #live = new Set<string>();
  #lastSent = '';
  #stopped = false;

  constructor(options: VoicemailServiceOptions = {}) {
    this.#options = options;
    this.#createProvider = options.createProvider ?? asteriskVoicemailFactory;
    options.pbx?.onDidChangeConfig(() => this.#reconcile());
  }

  readonly handlers: ConsoleExtension['handlers'] = {
    'voicemail.refresh': async () => {
      await this.#run((p) => p.refresh());
      return this.view();
    },
    'voicemail.play': async ({ id }) => {
      const target = this.#target;
      const endpoint = this.#endpoint();
      if (!target || !endpoint) throw notConfigured();
      this.#setPlay({ id, at: Date.now() });
      try {
        await this.#run((p) => p.play(id, endpoint, this.#options.playbackName ?? 'Voicemail'));
      } catch (e) {
        this.#setPlay(undefined);
        throw e;
      }
      return this.view();
    },
    'voicemail.markRead': async ({ id }) => {
      await this.#run((p) => p.markRead(id));
      return this.view();
    },
    'voicemail.delete': async ({ id }) => {
      await this.#run((p) => p.remove(id));
      return this.view();
    },
  };

  start(host: VoicemailHost): void {
    this.#host = host;
    this.#reconcile();
  }

  bind(broadcast: Broadcast): void {
    this.#broadcast = broadcast;
  }

  snapshot(): Partial<Snapshot> {
    return { voicemail: this.view() };
  }

  /** The account may change the mailbox (its user). */
  primarySoftphone(_softphone: Softphone | undefined): void {
    this.#reconcile();
  }

  view(): VoicemailView {
    const target = this.#target;
    if (!target) return NOT_CONFIGURED_VOICEMAIL;
    const mailbox = `${target.mailbox}@${target.context}`;
    const s = this.#pbx;
    const state: VoicemailState = !s
      ? 'connecting'
      : s.connection.state === 'connected'
        ? s.noMailbox
          ? 'no-mailbox'
          : 'ready'
        : s.connection.state === 'stopped'
          ? 'connecting'
          : s.connection.state;
    const messages: VoicemailMessageView[] = (s?.messages ?? []).map((m) => {
      const contactName = m.callerNumber !== undefined ? this.#names.get(m.callerNumber) : undefined;
      return {
        id: m.id,
        folder: m.folder,
        ...(m.callerNumber !== undefined && { callerNumber: m.callerNumber }),
        ...(m.callerName !== undefined && { callerName: m.callerName }),
        ...(contactName !== undefined && { contactName }),
        ...(m.receivedAt !== undefined && { receivedAt: m.receivedAt }),
        durationS: m.durationS,
        urgent: m.urgent,
      };
    });
    return {
      state,
      mailbox,
      messages: state === 'ready' ? messages : [],
      ...(s?.listedAt !== undefined && { listedAt: s.listedAt }),
      ...(this.#play && { playing: this.#play.id }),
    };
  }

  // ───────────────────────────── the playback call ─────────────────────────────

  /** Our playback call rings through do-not-disturb and the call screening (the receptionist asked for it). */
  screenIncoming(call: CallSnapshot): IncomingDecision | undefined {
    const p = this.#play;
    if (!p || p.callId !== undefined || !isPlaybackCall(call, this.#target?.mailbox, p.at, Date.now(), this.#options.playWindowMs)) return undefined;
    p.callId = call.id;
    return { action: 'ring', priority: true };
  }

  callChanged(call: CallView): void {
    if (call.state === 'ended') this.#live.delete(call.id);
    else this.#live.add(call.id);
    const p = this.#play;
    if (!p || p.callId !== call.id) return;
    // Never over another call (answering would put it on hold): then the playback rings like any call.
    const alone = [...this.#live].every((id) => id === call.id);
    if (call.state === 'incoming' && !p.answered && alone) {
      p.answered = true;
      this.#options.answer?.(call.id).catch((e: unknown) => this.#options.logger?.warn(`voicemail: answering the playback call failed: ${String(e)}`));
    }
    if (call.state === 'ended') this.#setPlay(undefined);
  }

  callEnded(call: CallView): void {
    this.#live.delete(call.id);
    if (this.#play?.callId === call.id) this.#setPlay(undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#playTimer);
    this.#providerKey = undefined;
    await this.#lifecycle;
    await this.#swap(undefined);
  }

  #setPlay(p: PlayState | undefined): void {
    clearTimeout(this.#playTimer);
    this.#play = p;
    if (p) {
      // Nothing came (refused, unanswered): the "playing" mark goes after the window; a call still up keeps it.
      this.#playTimer = setTimeout(() => {
        if (this.#play === p && p.callId === undefined) this.#setPlay(undefined);
      }, this.#options.playWindowMs ?? PLAY_WINDOW_MS);
      this.#playTimer.unref?.();
    }
    this.#flush();
  }

  // ───────────────────────────── provider ─────────────────────────────

  async #run<T>(action: (p: VoicemailProvider) => Promise<T>): Promise<T> {
    const p = this.#provider;
    if (!p) throw notConfigured();
    try {
      return await action(p);
    } catch (e) {
      if (e instanceof VoicemailError) {
        switch (e.code) {
          case 'not-found':
            throw new CommandFailure('not-found', e.message, 'voicemail.error.gone');
          case 'unreachable':
          case 'timeout':
            throw new CommandFailure('network', e.message, 'voicemail.error.unreachable');
          case 'refused':
            throw new CommandFailure('invalid-state', e.message, 'voicemail.error.refused');
          default: {
            const never: never = e.code;
            throw new Error(String(never));
          }
        }
      }
      throw e;
    } finally {
      this.#flush();
    }
  }

  #endpoint(): string | undefined {
    const config = this.#options.pbx?.pbxConfig();
    const user = this.#host?.primaryAccount()?.user;
    return config?.agentInterface ?? (user ? `PJSIP/${user}` : undefined);
  }

  /**
   * The mailbox: `voicemailMailbox` when set (an identity sharing another's mailbox, e.g. the WebRTC 2011 → 2001),
   * else the receptionist's extension: the agent interface's, else the account's user.
   */
  #targetNow(): VoicemailTarget | undefined {
    const config = this.#options.pbx?.pbxConfig();
    if (!config) return undefined;
    const mailbox = config.voicemailMailbox ?? config.agentInterface?.replace(/^.*\//, '') ?? this.#host?.primaryAccount()?.user;
    if (!mailbox || !/^[0-9A-Za-z_.+*#-]{1,80}$/.test(mailbox)) return undefined;
    return { config, mailbox, context: config.voicemailContext ?? 'default' };
  }

  #reconcile(): void {
    if (this.#stopped || !this.#host) return;
    const target = this.#targetNow();
    const key = target && JSON.stringify([target.config.ami, target.mailbox, target.context]);
    if (key === this.#providerKey) return;
    this.#providerKey = key;
    this.#target = target;
    this.#lifecycle = this.#lifecycle.then(() => this.#swap(target)).catch((e: unknown) => this.#options.logger?.error(`voicemail provider: ${String(e)}`));
    this.#flush();
  }

  async #swap(target: VoicemailTarget | undefined): Promise<void> {
    this.#providerOff?.();
    this.#providerOff = undefined;
    const old = this.#provider;
    this.#provider = undefined;
    this.#pbx = undefined;
    await old?.stop().catch(() => undefined);
    if (!target || this.#stopped) {
      this.#flush();
      return;
    }
    const key = this.#providerKey;
    const provider = await this.#createProvider(target, this.#options.logger);
    if (this.#stopped || key !== this.#providerKey) {
      await provider.stop().catch(() => undefined);
      return;
    }
    this.#provider = provider;
    this.#providerOff = provider.onDidChange((s) => {
      this.#pbx = s;
      this.#flush();
      void this.#name(s);
    });
    await provider.start();
    this.#flush();
  }

  /** Names the callers from the directories (once per number; a failing lookup leaves the number alone). */
  async #name(s: VoicemailSnapshot): Promise<void> {
    const lookup = this.#options.lookup;
    if (!lookup) return;
    let found = false;
    for (const n of new Set(s.messages.map((m) => m.callerNumber).filter((x): x is string => x !== undefined))) {
      if (this.#names.has(n)) continue;
      if (this.#names.size > 2000) this.#names.clear();
      try {
        const name = await lookup(n);
        this.#names.set(n, name);
        if (name) found = true;
      } catch {
        this.#names.set(n, undefined);
      }
    }
    if (found) this.#flush();
  }

  #flush(): void {
    if (this.#stopped) return;
    const view = this.view();
    const text = JSON.stringify(view);
    if (text === this.#lastSent) return;
    this.#lastSent = text;
    this.#broadcast('voicemail.changed', view);
  }
}

function notConfigured(): CommandFailure {
  return new CommandFailure('not-configured', 'The voicemail list needs the PBX connection (Settings › PBX)', 'voicemail.error.notConfigured');
}
