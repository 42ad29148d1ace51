/**
 * Pop-ups on the web host (002 §4.5, issue 13 item 8): the browser's Notification API for missed calls and for calls
 * ringing while the console is not in front — only with the pop-ups preference on and the browser's permission
 * granted (asked from Settings, on the receptionist's click). Electron shows its own OS notifications from main
 * (electron/main/console-app.ts), so nothing here runs there. A click on a ringing call's pop-up answers it and brings
 * the console to the front; a click on a missed call's pop-up brings the console to the front.
 */
import type { CallView, ConsoleClient, Events, Preferences, Snapshot } from '../../electron/contract';
import { popupContent, shouldPopUp, type PopupContext, type PopupKind, type PopupPermission } from './popups';

export type { PopupPermission };

/** The page is in front of the receptionist: visible and focused. */
export function pageAttentive(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'visible' && document.hasFocus();
}

/** The browser's notification permission, or `unsupported` (no Notification API, e.g. an insecure origin). */
export function popupPermission(): PopupPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export interface WebNotifierOptions {
  readonly client: ConsoleClient;
  readonly host: () => Snapshot['host'] | undefined;
  readonly preferences: () => Preferences | undefined;
  readonly t: (key: string, params?: Record<string, string | number>) => string;
  readonly lang: () => string;
  /** Answer a ringing call (the pop-up's click). */
  readonly answer: (callId: string) => void;
}

/** Shows the web host's pop-ups; `start()` returns the stop function. */
export class WebNotifier {
  readonly #open = new Map<string, Notification>();
  readonly #shown = new Set<string>();

  constructor(private readonly options: WebNotifierOptions) {}

  start(): () => void {
    const { client } = this.options;
    const offMissed = client.on('missed.added', (m) => this.#missed(m));
    const offCall = client.on('call.changed', (c) => this.#call(c));
    const offRemoved = client.on('call.removed', ({ callId }) => {
      this.#close(callId);
      this.#shown.delete(callId);
    });
    return () => {
      offMissed();
      offCall();
      offRemoved();
      for (const id of [...this.#open.keys()]) this.#close(id);
    };
  }

  #context(): PopupContext {
    return {
      host: this.options.host(),
      popups: this.options.preferences()?.popups ?? true,
      permission: popupPermission(),
      attentive: pageAttentive(),
    };
  }

  #show(kind: PopupKind, who: { name?: string | undefined; number: string }, tag: string): Notification | undefined {
    const c = popupContent(kind, who);
    try {
      const n = new Notification(this.options.t(c.key, c.params), { body: c.body, tag, lang: this.options.lang() });
      return n;
    } catch {
      // Some browsers only allow notifications from a service worker: no pop-up, the console still shows everything.
      return undefined;
    }
  }

  #missed(m: Events['missed.added']): void {
    if (!shouldPopUp('missed', this.#context())) return;
    const n = this.#show('missed', m, 'rc-missed');
    if (n) {
      n.onclick = () => {
        window.focus();
        n.close();
      };
    }
  }

  #call(c: CallView): void {
    if (c.state !== 'incoming') {
      this.#close(c.id);
      return;
    }
    if (this.#shown.has(c.id)) return;
    this.#shown.add(c.id);
    if (!shouldPopUp('incoming', this.#context())) return;
    const name = c.contact?.name || c.remote.displayName;
    const n = this.#show('incoming', { name, number: c.remote.user || c.remote.uri }, `rc-call-${c.id}`);
    if (!n) return;
    this.#open.set(c.id, n);
    n.onclick = () => {
      window.focus();
      this.options.answer(c.id);
      this.#close(c.id);
    };
    const seconds = this.options.preferences()?.notificationSeconds ?? 20;
    setTimeout(() => this.#close(c.id), seconds * 1000);
  }

  #close(callId: string): void {
    this.#open.get(callId)?.close();
    this.#open.delete(callId);
  }
}
