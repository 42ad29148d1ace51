/**
 * Getting the receptionist's attention from the desktop shell (issue 13 item 8), as plain functions unit-tested
 * without Electron: the missed-call count on the app icon, the taskbar flash, the Windows taskbar overlay and the OS
 * notification of a missed call. console-app.ts only feeds events in and applies what these return.
 *
 * Per platform (Electron 45):
 * - macOS: `app.setBadgeCount(n)` puts n on the Dock icon; `flashFrame(true)` bounces the Dock icon.
 * - Linux: `app.setBadgeCount(n)` shows on launchers that support it (Unity launcher API: GNOME docks, KDE); elsewhere
 *   it is a no-op. `flashFrame(true)` sets the window's urgency hint (the task bar highlights it).
 * - Windows: there is no badge count (`setBadgeCount` is unsupported), so the taskbar button gets an overlay icon (a red
 *   dot) with the count as its accessible description; `flashFrame(true)` flashes the taskbar button.
 * Flashing starts when a call rings or a call is missed while the console is not the focused window, and stops when
 * the receptionist brings it to the front (the count stays until she views the History). Badge, overlay and flash do
 * not depend on the pop-ups preference: only OS notifications do.
 */
import type { MissedCallView } from '../contract/missed-calls';
import { notificationText } from './shell';

export interface AttentionInput {
  /** Missed calls not yet seen (the History not viewed since). */
  readonly missed: number;
  /** Calls ringing now. */
  readonly ringing: number;
  /** The console's main window is the focused window. */
  readonly focused: boolean;
  /** A call was missed (or started ringing) while the window was not focused, and she has not come back since. */
  readonly pending: boolean;
}

export interface AttentionPlan {
  /** `app.setBadgeCount(n)`; null: this platform has none (Windows uses the overlay). */
  readonly badgeCount: number | null;
  /** Windows taskbar overlay: null on other platforms; `show` false clears it. */
  readonly overlay: { readonly show: false } | { readonly show: true; readonly description: { readonly key: string; readonly params: { count: number } } } | null;
  /** `win.flashFrame(flash)`. */
  readonly flash: boolean;
}

export function attentionPlan(s: AttentionInput, platform: NodeJS.Platform): AttentionPlan {
  const missed = Math.max(0, Math.floor(s.missed));
  const flash = !s.focused && (s.ringing > 0 || s.pending);
  if (platform === 'win32') {
    return {
      badgeCount: null,
      overlay: missed > 0 ? { show: true, description: { key: 'missed.count', params: { count: missed } } } : { show: false },
      flash,
    };
  }
  return { badgeCount: missed, overlay: null, flash };
}

/**
 * The shell's memory between events: whether a missed or ringing call happened while the window was in the
 * background (flash until she comes back). Events in, `input()` out.
 */
export class AttentionTracker {
  #missed = 0;
  #ringing = 0;
  #focused = false;
  #pending = false;

  missedChanged(count: number): void {
    this.#missed = count;
  }
  /** A call was just missed. */
  missedAdded(count: number): void {
    this.#missed = count;
    if (!this.#focused) this.#pending = true;
  }
  ringingChanged(count: number): void {
    if (count > this.#ringing && !this.#focused) this.#pending = true;
    this.#ringing = count;
  }
  focusChanged(focused: boolean): void {
    this.#focused = focused;
    if (focused) this.#pending = false;
  }
  input(): AttentionInput {
    return { missed: this.#missed, ringing: this.#ringing, focused: this.#focused, pending: this.#pending };
  }
}

/** The plan only when it differs from the one applied last (Electron calls are not free; flashFrame restarts). */
export function attentionChanged(before: AttentionPlan | undefined, after: AttentionPlan): boolean {
  return JSON.stringify(before) !== JSON.stringify(after);
}

export interface MissedNotification {
  readonly title: { readonly key: string; readonly params: Record<string, string> };
  readonly body: string;
}

/** The OS notification of a missed call, or none when pop-ups are off. Caller data as plain text (shell.ts rules). */
export function missedCallNotification(m: MissedCallView & { readonly count: number }, popups: boolean): MissedNotification | undefined {
  if (!popups) return undefined;
  const name = notificationText(m.name);
  const number = notificationText(m.number);
  return {
    title: { key: 'notify.missed', params: { name: name || number } },
    body: name ? number : '',
  };
}

/** Size of the Windows overlay icon (the taskbar draws it at 16×16 logical pixels). */
export const OVERLAY_SIZE = 16;

/** A red dot with a white ring as a BGRA bitmap (`nativeImage.createFromBitmap`): no image file to ship or load. */
export function overlayDotBitmap(size = OVERLAY_SIZE): Buffer {
  const buf = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  const outer = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const i = (y * size + x) * 4;
      if (d > outer) continue; // transparent
      const ring = d > outer - 1.5;
      // BGRA: white ring, red (#c62d2d) inside.
      buf[i] = ring ? 0xff : 0x2d;
      buf[i + 1] = ring ? 0xff : 0x2d;
      buf[i + 2] = ring ? 0xff : 0xc6;
      buf[i + 3] = 0xff;
    }
  }
  return buf;
}
