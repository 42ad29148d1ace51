/**
 * Phone-console logic without Svelte or the DOM (unit-tested): which call sits on which line, which line the keyboard
 * acts on, and the keyboard shortcuts (documented in docs/keyboard.md — keep both in step).
 */
import type { CallView } from '../../../electron/contract';

export interface LineRow {
  readonly line: number;
  /** The live call on the line, else a just-ended one still shown there, else none (free line). */
  readonly call?: CallView;
}

const LIVE = new Set<CallView['state']>(['dialing', 'ringing', 'incoming', 'connecting', 'active', 'held']);

export function isLive(call: CallView): boolean {
  return LIVE.has(call.state);
}

export function lineRows(calls: readonly CallView[], lines: number): LineRow[] {
  const rows: LineRow[] = [];
  // Main never puts more live calls than lines; an ended call may outlive a reduction of the line count.
  const maxLine = Math.max(lines, ...calls.filter(isLive).map((c) => c.line));
  for (let line = 1; line <= maxLine; line++) {
    const here = calls.filter((c) => c.line === line);
    const call = here.find(isLive) ?? here.filter((c) => c.state === 'ended').sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))[0];
    rows.push(call ? { line, call } : { line });
  }
  return rows;
}

/** The line the keyboard acts on: the talking call, else the one last picked, else the first ringing or held. */
export function currentCall(calls: readonly CallView[], selectedId: string | undefined): CallView | undefined {
  const live = calls.filter(isLive).sort((a, b) => a.line - b.line);
  return (
    live.find((c) => c.state === 'active' && c.conferenceId === undefined) ??
    live.find((c) => c.id === selectedId) ??
    live.find((c) => c.state === 'active') ??
    live.find((c) => c.state === 'dialing' || c.state === 'ringing' || c.state === 'connecting') ??
    live.find((c) => c.state === 'incoming') ??
    live.find((c) => c.state === 'held')
  );
}

export type ShortcutAction =
  | { readonly kind: 'answer' | 'hold' | 'hangup' | 'blind' | 'consult' | 'complete' | 'cancel' | 'mute' | 'search' | 'close' }
  | { readonly kind: 'line'; readonly step: 1 | -1 }
  | { readonly kind: 'dtmf'; readonly tone: string };

export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

/** The documented shortcuts, for the help list (docs/keyboard.md). */
export const SHORTCUTS: readonly { readonly keys: string; readonly label: string }[] = [
  { keys: 'F2', label: 'shortcuts.answer' },
  { keys: 'F3', label: 'shortcuts.hold' },
  { keys: 'F4', label: 'shortcuts.hangup' },
  { keys: 'F6', label: 'shortcuts.blind' },
  { keys: 'F7', label: 'shortcuts.consult' },
  { keys: 'F8', label: 'shortcuts.complete' },
  { keys: 'F9', label: 'shortcuts.cancel' },
  { keys: 'Ctrl+M', label: 'shortcuts.mute' },
  { keys: 'Alt+↑ / Alt+↓', label: 'shortcuts.lines' },
  { keys: 'Ctrl+F, /', label: 'shortcuts.search' },
  { keys: '0-9 * #', label: 'shortcuts.digits' },
];

/**
 * Map a key press to an action. Function keys and modified keys work everywhere (also while typing a number);
 * plain keys (digits for DTMF, "/") only when the focus is not in a text field.
 */
export function shortcutFor(e: KeyLike, typing: boolean): ShortcutAction | undefined {
  const plain = !e.ctrlKey && !e.altKey && !e.metaKey;
  if (plain) {
    switch (e.key) {
      case 'F2':
        return { kind: 'answer' };
      case 'F3':
        return { kind: 'hold' };
      case 'F4':
        return { kind: 'hangup' };
      case 'F6':
        return { kind: 'blind' };
      case 'F7':
        return { kind: 'consult' };
      case 'F8':
        return { kind: 'complete' };
      case 'F9':
        return { kind: 'cancel' };
    }
  }
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
    if (e.key === 'm' || e.key === 'M') return { kind: 'mute' };
    if (e.key === 'f' || e.key === 'F') return { kind: 'search' };
  }
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    if (e.key === 'ArrowUp') return { kind: 'line', step: -1 };
    if (e.key === 'ArrowDown') return { kind: 'line', step: 1 };
  }
  if (typing || !plain) return undefined;
  if (e.key === '/') return { kind: 'search' };
  if (e.key === 'Escape') return { kind: 'close' };
  if (/^[0-9*#]$/.test(e.key)) return { kind: 'dtmf', tone: e.key };
  return undefined;
}
