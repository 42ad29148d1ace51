/**
 * The renderer's view of main's state: a full snapshot, then deltas. Main owns the truth; this class only mirrors
 * it (a reload or reconnect replaces everything with the next `snapshot`). Local messages (connection lost/restored,
 * a failed command) live beside main's messages and survive a snapshot.
 */
import type {
  AccountView,
  CallView,
  CommandArgs,
  CommandName,
  CommandResult,
  ConsoleClient,
  Events,
  GlobalMessage,
  HeadsetPressView,
  HeadsetView,
  MessageLevel,
  Preferences,
  RegistrationView,
  Result,
  Snapshot,
} from '../../../electron/contract';

import { errorKey } from '../../i18n/core';
import { MissedCallsState } from './missed-calls.svelte';
import { PresenceState } from './presence.svelte';
import { QueuesState } from './queues.svelte';
import { ParkingState } from './parking.svelte';
import { VoicemailState } from './voicemail.svelte';
import { ServicesState } from './services.svelte';

export type Connection = 'connecting' | 'open' | 'lost';

/** A message plus when this window first showed it (for the ~8 s toast; main's `at` may come from an old snapshot). */
export interface ShownMessage extends GlobalMessage {
  readonly shownAt: number;
  readonly local: boolean;
}

export const MESSAGE_TOAST_MS = 8000;

/** The one reused screen-pop window (`single`) and the size of screen-pop windows (electron/services/screen-pop.ts). */
const SCREEN_POP_WINDOW_NAME = 'rc-screenpop';
const SCREEN_POP_WINDOW_FEATURES = 'popup,width=768,height=1024';

export class ConsoleState {
  #connection = $state<Connection>('connecting');
  #loaded = $state(false);
  #host = $state<Snapshot['host'] | undefined>(undefined);
  #needsSetup = $state(false);
  #accounts = $state<readonly AccountView[]>([]);
  #registrations = $state<Record<string, RegistrationView>>({});
  #calls = $state<CallView[]>([]);
  #messages = $state<ShownMessage[]>([]);
  #preferences = $state<Preferences | undefined>(undefined);
  #online = $state(true);
  /** A tel: link waiting for the receptionist's confirmation (fills the Number field). */
  #prefill = $state<{ target: string; seq: number } | undefined>(undefined);
  /** The USB headset slot; undefined when the host has no headset service. */
  #headset = $state<HeadsetView | undefined>(undefined);
  /** Headset presses seen by this window, newest last (the test dialog shows them). */
  #headsetPresses = $state<HeadsetPressView[]>([]);
  #localSeq = 0;
  /** The browser blocked the last screen pop (the warning was shown). */
  #screenPopBlocked = false;
  readonly #client: ConsoleClient;
  /** Favorites (BLF) and message waiting (renderer/lib/state/presence.svelte.ts). */
  readonly presence: PresenceState;
  /** The Queued calls pane (renderer/lib/state/queues.svelte.ts); shared with the Contacts pane's Queues tab. */
  readonly queues: QueuesState;
  /** Call-routing services: DND scope, forwarding, screening, presented number (renderer/lib/state/services.svelte.ts). */
  readonly services: ServicesState;
  /** Park panel: parked calls and Retrieve (renderer/lib/state/parking.svelte.ts). */
  readonly parking: ParkingState;
  /** issue 13 item 7: the voicemail list (renderer/lib/state/voicemail.svelte.ts). */
  readonly voicemail: VoicemailState;
  /** Missed calls since the History was last viewed (renderer/lib/state/missed-calls.svelte.ts). */
  readonly missed: MissedCallsState;

  constructor(client: ConsoleClient) {
    this.#client = client;
    this.missed = new MissedCallsState(client);
    this.presence = new PresenceState(client);
    this.queues = new QueuesState(client, (name, args) => this.run(name, args));
    this.services = new ServicesState(client);
    this.parking = new ParkingState(client, (name, args) => this.run(name, args));
    this.voicemail = new VoicemailState(client, (name, args) => this.run(name, args));
    client.on('snapshot', (s) => this.applySnapshot(s));
    client.on('registration.changed', ({ accountId, registration }) => {
      this.#registrations = { ...this.#registrations, [accountId]: registration };
    });
    client.on('accounts.changed', ({ accounts, needsSetup }) => {
      this.#accounts = accounts;
      this.#needsSetup = needsSetup;
    });
    client.on('call.changed', (call) => {
      const i = this.#calls.findIndex((c) => c.id === call.id);
      if (i === -1) this.#calls = [...this.#calls, call];
      else this.#calls = this.#calls.map((c, j) => (j === i ? call : c));
    });
    client.on('call.removed', ({ callId }) => {
      this.#calls = this.#calls.filter((c) => c.id !== callId);
    });
    client.on('message.added', (m) => {
      this.#messages = [...this.#messages.filter((x) => x.id !== m.id), { ...m, shownAt: Date.now(), local: false }];
    });
    client.on('message.removed', ({ id }) => {
      this.#messages = this.#messages.filter((m) => m.id !== id);
    });
    client.on('preferences.changed', (p) => {
      this.#preferences = p;
    });
    client.on('dial.prefill', ({ target }) => {
      this.#prefill = { target, seq: (this.#prefill?.seq ?? 0) + 1 };
    });
    client.on('screenPop.open', (pop) => this.#openScreenPop(pop));
    client.on('network.changed', ({ online }) => {
      this.#online = online;
    });
    client.on('headset.changed', (h) => {
      this.#headset = h;
    });
    client.on('headset.pressed', (p) => {
      this.#headsetPresses = [...this.#headsetPresses.slice(-19), p];
    });
    client.onConnection((state) => {
      if (state === 'closed') {
        if (this.#connection === 'open') this.addLocalMessage('warning', 'connection.lost');
        this.#connection = 'lost';
      } else {
        if (this.#connection === 'lost') this.addLocalMessage('info', 'connection.restored');
        this.#connection = 'open';
      }
    });
  }

  applySnapshot(s: Snapshot): void {
    this.#loaded = true;
    this.#host = s.host;
    this.#needsSetup = s.needsSetup;
    this.#accounts = s.accounts;
    this.#registrations = { ...s.registrations };
    this.#calls = [...s.calls];
    this.#preferences = s.preferences;
    this.#online = s.online;
    this.#headset = s.headset;
    const previous = new Map(this.#messages.map((m) => [m.id, m]));
    const fromMain: ShownMessage[] = s.messages.map((m) => ({
      ...m,
      // Keep the toast clock of messages already shown; older ones from the snapshot don't pop up again.
      shownAt: previous.get(m.id)?.shownAt ?? m.at,
      local: false,
    }));
    this.#messages = [...fromMain, ...this.#messages.filter((m) => m.local)].sort((a, b) => a.at - b.at);
  }

  get connection(): Connection {
    return this.#connection;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get host(): Snapshot['host'] | undefined {
    return this.#host;
  }
  get needsSetup(): boolean {
    return this.#needsSetup;
  }
  get accounts(): readonly AccountView[] {
    return this.#accounts;
  }
  /** The account the info pane shows: the first one (multi-account UI comes later). */
  get primaryAccount(): AccountView | undefined {
    return this.#accounts[0];
  }
  registrationOf(accountId: string): RegistrationView {
    return this.#registrations[accountId] ?? { state: 'unregistered' };
  }
  get calls(): readonly CallView[] {
    return this.#calls;
  }
  get ringing(): boolean {
    return this.#calls.some((c) => c.state === 'incoming');
  }
  get messages(): readonly ShownMessage[] {
    return this.#messages;
  }
  get preferences(): Preferences | undefined {
    return this.#preferences;
  }
  get prefill(): { target: string; seq: number } | undefined {
    return this.#prefill;
  }
  get online(): boolean {
    return this.#online;
  }
  get headset(): HeadsetView | undefined {
    return this.#headset;
  }
  get headsetPresses(): readonly HeadsetPressView[] {
    return this.#headsetPresses;
  }

  /**
   * Web host: open the screen pop main asked for (Electron main opens them itself). `browser`: a new tab per call;
   * `single`: one 768×1024 window named `rc-screenpop`, navigated again for every call; `multi`: a new one per call.
   * Not `noopener`: with it window.open always returns null, so a pop-up the browser blocked (the ring is no click)
   * could not be told apart. The console page is served with `Referrer-Policy: no-referrer` (its token never reaches
   * the CRM). New tabs and `multi` windows lose their opener at once, so the CRM cannot script or navigate the
   * console; the `single` window keeps it, because browsers only find a named window again (and let us navigate it)
   * while the two are still related — the price of reusing it, acceptable for the administrator's own application.
   */
  #openScreenPop(pop: Events['screenPop.open']): void {
    if (this.#host !== 'web') return;
    let url: URL;
    try {
      url = new URL(pop.url);
    } catch {
      return;
    }
    // Main checked it already; a page never opens anything but http(s) on main's word alone.
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return;
    const opened =
      pop.window === 'browser'
        ? window.open(url.href, '_blank')
        : window.open(url.href, pop.window === 'single' ? SCREEN_POP_WINDOW_NAME : '_blank', SCREEN_POP_WINDOW_FEATURES);
    if (!opened) {
      // Once, not at every ring, until a pop opens again.
      if (!this.#screenPopBlocked) this.addLocalMessage('warning', 'screenPop.blocked');
      this.#screenPopBlocked = true;
      return;
    }
    this.#screenPopBlocked = false;
    if (pop.window === 'single') return;
    try {
      // Still the initial about:blank (same origin) right after window.open: the opener can be cut.
      opened.opener = null;
    } catch {
      // Cannot happen for a fresh window; the pop is open either way.
    }
  }

  addLocalMessage(level: MessageLevel, key: string, params?: Record<string, string | number>): void {
    const now = Date.now();
    const message: ShownMessage = {
      id: `local-${++this.#localSeq}`,
      at: now,
      shownAt: now,
      level,
      key,
      local: true,
      ...(params ? { params } : {}),
    };
    this.#messages = [...this.#messages, message];
  }

  /**
   * Send a command; a failure becomes an error in the global message area, as its key (translated when shown, so a
   * language change applies) or the generic "Something went wrong ({code})" — never main's English message.
   */
  async run<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>> {
    const result = await this.#client.invoke(name, args);
    if (!result.ok) {
      const { key, params } = errorKey(result.error);
      this.addLocalMessage('error', key, { ...params });
    }
    return result;
  }

  /** Send a command whose failure the caller shows itself (e.g. the setup form). */
  invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Result<CommandResult<N>>> {
    return this.#client.invoke(name, args);
  }
}
