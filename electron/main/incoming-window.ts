/**
 * The optional compact incoming-call window (preference `incomingCallWindow`): always on top, never takes the keyboard
 * focus from what the receptionist is typing, shows the ringing caller(s) with Answer / Decline, and goes away when
 * nothing rings any more. Its decisions as plain functions (unit-tested); main.ts applies them.
 */
import type { CallView, CommandName, Preferences } from '../contract';
// Its geometry is in the contract: the page draws the rows with the same sizes.
import { INCOMING_WINDOW_LAYOUT, INCOMING_WINDOW_ROWS } from '../contract/incoming-window';

/** The window's height for `ringing` calls (at least one row; at most INCOMING_WINDOW_ROWS rows, then it scrolls). */
export function incomingWindowHeight(ringing: number): number {
  const L = INCOMING_WINDOW_LAYOUT;
  const rows = Math.min(Math.max(1, Math.floor(ringing) || 1), INCOMING_WINDOW_ROWS);
  const heading = ringing > 1 ? L.heading + L.gap : 0;
  return Math.max(L.minHeight, L.chrome + heading + rows * L.row + (rows - 1) * L.gap);
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where the open window goes when the number of ringing calls changes: the same width, the height for the calls,
 * its bottom edge where it was (the bottom-right corner by default, or wherever the receptionist dragged it), and
 * never above the work area's top. Undefined when it is already that size.
 */
export function incomingWindowResize(current: Rect, ringing: number, workArea: Rect): Rect | undefined {
  const height = Math.min(incomingWindowHeight(ringing), workArea.height);
  if (height === current.height) return undefined;
  const bottom = current.y + current.height;
  const y = Math.max(workArea.y, Math.min(bottom, workArea.y + workArea.height) - height);
  return { x: current.x, y: Math.round(y), width: current.width, height };
}

/** Window options except webPreferences (main.ts writes those literally, `satisfies SecureWebPreferences`). */
export function incomingWindowOptions(opts: {
  dark: boolean;
  /** The work area of the display the cursor is on: the window sits in its bottom-right corner. */
  workArea: Rect;
  /** Calls ringing when it opens (usually one). */
  ringing?: number;
}) {
  const margin = 16;
  const width = INCOMING_WINDOW_LAYOUT.width;
  const height = Math.min(incomingWindowHeight(opts.ringing ?? 1), opts.workArea.height);
  return {
    width,
    height,
    x: Math.round(opts.workArea.x + opts.workArea.width - width - margin),
    y: Math.round(Math.max(opts.workArea.y, opts.workArea.y + opts.workArea.height - height - margin)),
    show: false,
    frame: false,
    resizable: false,
    movable: true,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
    /** Never steals the keyboard: the receptionist may be typing a transfer number or an e-mail. */
    focusable: false,
    backgroundColor: opts.dark ? '#15181d' : '#f5f6f8',
    title: 'Incoming call',
  };
}

/** The query the window loads the renderer with (renderer/main.ts mounts the compact view for it). */
export const INCOMING_VIEW_QUERY = { view: 'incoming' } as const;

export type IncomingWindowAction = 'open' | 'close' | 'keep';

/**
 * Open it when a call rings and the preference is on; close it when nothing rings any more (answered, declined,
 * cancelled, taken elsewhere) or the preference is turned off; otherwise leave it as it is.
 */
export function incomingWindowAction(state: {
  preferences: Pick<Preferences, 'incomingCallWindow'> | undefined;
  calls: readonly CallView[];
  isOpen: boolean;
}): IncomingWindowAction {
  const wanted = state.preferences?.incomingCallWindow === true && state.calls.some((c) => c.state === 'incoming');
  if (wanted) return state.isOpen ? 'keep' : 'open';
  return state.isOpen ? 'close' : 'keep';
}

/** The compact window may only read the state and answer or decline: nothing else from it reaches the service. */
const INCOMING_WINDOW_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(['app.snapshot', 'call.answer', 'call.decline']);
export function incomingWindowCommandAllowed(name: unknown): boolean {
  return typeof name === 'string' && INCOMING_WINDOW_COMMANDS.has(name as CommandName);
}
