/**
 * The shell's life cycle as plain code (unit-tested without Electron): start only in the instance that holds the
 * single-instance lock, keep the app window on its page (navigation refused before anything else reacts), reload a
 * crashed renderer with a backoff, and quit only after the services have said goodbye to the PBX (un-REGISTER, BYE).
 * main.ts / console-app.ts feed Electron's objects in.
 */
import { navigationDecision } from './policy';

// ─────────────────────────────── start: the single-instance lock first ───────────────────────────────

/**
 * The lock is asked for before anything else; a second instance exits at once — it never opens the database, reads
 * the settings or registers to the PBX (the running console gets its arguments through `second-instance`).
 */
export function startup(steps: { requestLock(): boolean; exit(): void; start(): void }): 'primary' | 'secondary' {
  if (!steps.requestLock()) {
    steps.exit();
    return 'secondary';
  }
  steps.start();
  return 'primary';
}

// ─────────────────────────────── the app window's page ───────────────────────────────

/**
 * Which connection belongs to the page a window shows. Chromium emits `did-start-navigation` *before* Electron's
 * will-navigate (a navigation throttle), so dropping the connection there disconnected the window for navigations
 * that were then refused — a file or link dragged onto the window. A connection is now dropped only when a new page
 * has really replaced it (the navigation committed: a reload), the renderer died, or the window closed; a hello from
 * the new page that overtakes the commit notification is kept (the connection is older than the navigation or not).
 */
export class PageConnections<C> {
  #seq = 0;
  #navigationStartedAt = 0;
  #current: { readonly conn: C; readonly at: number } | undefined;

  constructor(private readonly disconnect: (conn: C) => void) {}

  get current(): C | undefined {
    return this.#current?.conn;
  }

  /** The page said hello: its connection replaces any earlier one. */
  connect(conn: C): void {
    this.gone();
    this.#current = { conn, at: ++this.#seq };
  }

  /** A main-frame, cross-document navigation started: nothing is dropped yet (it may still be refused). */
  navigationStarted(): void {
    this.#navigationStartedAt = ++this.#seq;
  }

  /** That navigation committed: the connection of the page before it is gone. */
  navigationCommitted(): void {
    if (this.#current && this.#current.at < this.#navigationStartedAt) this.gone();
  }

  /** The renderer died or the window closed. */
  gone(): void {
    const c = this.#current;
    this.#current = undefined;
    if (c) this.disconnect(c.conn);
  }
}

/** The part of Electron's WebContents the guard uses (a Node EventEmitter in tests). */
export interface GuardedContents {
  on(event: string, listener: (...args: any[]) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Navigation policy for a window showing our page, applied before anything else reacts: will-navigate /
 * will-frame-navigate / will-redirect refuse anything but our page (http(s) opens in the browser), window.open is
 * always denied. The page's connection follows the navigation's real outcome (PageConnections).
 */
export function guardAppWindow(
  contents: GuardedContents,
  opts: {
    rendererIndexUrl: string;
    openExternal: (url: string) => void;
    pages: Pick<PageConnections<unknown>, 'navigationStarted' | 'navigationCommitted' | 'gone'>;
    /** The renderer process died (crash, OOM, killed): called after its connection was dropped. */
    onRendererGone?: (reason: string) => void;
  },
): void {
  const refuse = (e: { preventDefault(): void }, url: string, openExternal = true) => {
    const d = navigationDecision(url, opts.rendererIndexUrl);
    if (d.action === 'allow') return;
    e.preventDefault();
    if (d.action === 'open-external' && openExternal) opts.openExternal(d.url);
  };
  contents.on('will-navigate', (e: { preventDefault(): void }, url: string) => refuse(e, url));
  contents.on('will-frame-navigate', (e: { preventDefault(): void; url: string; isMainFrame: boolean }) => {
    // The main frame's case is will-navigate's (same decision, opened once); subframes never leave our page either.
    if (!e.isMainFrame) refuse(e, e.url, false);
  });
  contents.on('will-redirect', (e: { preventDefault(): void }, url: string) => refuse(e, url, false));
  contents.setWindowOpenHandler(({ url }) => {
    const d = navigationDecision(url, opts.rendererIndexUrl);
    if (d.action === 'open-external') opts.openExternal(d.url);
    return { action: 'deny' };
  });
  contents.on('did-start-navigation', (details: { isMainFrame?: boolean; isSameDocument?: boolean }) => {
    if (details.isMainFrame && !details.isSameDocument) opts.pages.navigationStarted();
  });
  contents.on('did-navigate', () => opts.pages.navigationCommitted());
  contents.on('render-process-gone', (_e: unknown, details: { reason?: string } | undefined) => {
    opts.pages.gone();
    opts.onRendererGone?.(details?.reason ?? 'crashed');
  });
}

// ─────────────────────────────── renderer crash → reload ───────────────────────────────

export const CRASH_RELOAD = {
  /** Crashes counted over this window… */
  windowMs: 5 * 60_000,
  /** …at most this many reloads in it; the next crash gives up (the window is closed; the tray reopens it). */
  maxReloads: 5,
  /** Backoff: 0.5 s, 1 s, 2 s, 4 s, 8 s. */
  firstDelayMs: 500,
  maxDelayMs: 15_000,
} as const;

export type CrashDecision = { readonly action: 'reload'; readonly delayMs: number } | { readonly action: 'give-up' } | { readonly action: 'none' };

/**
 * Calls live in main and survive the renderer: a crashed page is reloaded (it says hello again and gets the full
 * snapshot), after a growing delay; a page that keeps crashing is given up rather than reloaded in a loop. A code
 * integrity failure is not retried (reloading cannot fix it); nothing is done while quitting.
 */
export class CrashReloadPolicy {
  #crashes: number[] = [];

  constructor(private readonly limits: { windowMs: number; maxReloads: number; firstDelayMs: number; maxDelayMs: number } = CRASH_RELOAD) {}

  onRendererGone(reason: string, now: number, state: { quitting: boolean }): CrashDecision {
    if (state.quitting) return { action: 'none' };
    if (reason === 'integrity-failure') return { action: 'give-up' };
    this.#crashes = this.#crashes.filter((t) => now - t < this.limits.windowMs);
    this.#crashes.push(now);
    const n = this.#crashes.length;
    if (n > this.limits.maxReloads) return { action: 'give-up' };
    return { action: 'reload', delayMs: Math.min(this.limits.firstDelayMs * 2 ** (n - 1), this.limits.maxDelayMs) };
  }

  /** The receptionist reopened the window by hand (tray): start counting afresh. */
  reset(): void {
    this.#crashes = [];
  }
}

// ─────────────────────────────── quit: goodbye to the PBX first ───────────────────────────────

/** The longest the console waits for un-REGISTER and BYEs before quitting anyway (a dead network must not hang quit). */
export const QUIT_STOP_TIMEOUT_MS = 5000;

export type BeforeQuitStep = 'stop-then-quit' | 'wait' | 'quit';

/**
 * `before-quit` runs through here: the first one is held (preventDefault) while the services stop — calls hung up,
 * bindings removed — then the app quits for real; quit requests while stopping are held too; once stopped, quitting
 * proceeds.
 */
export class QuitGate {
  #state: 'running' | 'stopping' | 'stopped' = 'running';

  beforeQuit(): BeforeQuitStep {
    if (this.#state === 'stopped') return 'quit';
    if (this.#state === 'stopping') return 'wait';
    this.#state = 'stopping';
    return 'stop-then-quit';
  }

  get state(): 'running' | 'stopping' | 'stopped' {
    return this.#state;
  }

  /** Runs `stop` with the timeout, then opens the gate and calls `quit` (which quits again: this time it proceeds). */
  async stopThenQuit(stop: () => Promise<void>, quit: (outcome: StopOutcome) => void, timeoutMs = QUIT_STOP_TIMEOUT_MS): Promise<StopOutcome> {
    const outcome = await stopWithin(stop, timeoutMs);
    this.#state = 'stopped';
    quit(outcome);
    return outcome;
  }
}

export type StopOutcome = 'stopped' | 'timeout' | 'failed';

export async function stopWithin(stop: () => Promise<void>, timeoutMs: number): Promise<StopOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<StopOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(stop)
        .then(
          () => 'stopped' as const,
          () => 'failed' as const,
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
