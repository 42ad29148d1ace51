/**
 * The optional compact incoming-call window (preference `incomingCallWindow`): always on top, never takes the keyboard
 * focus from what the receptionist is typing, shows the ringing caller(s) with Answer / Decline, and goes away when
 * nothing rings any more. Its decisions as plain functions (unit-tested); main.ts applies them.
 */
import type { CallView, CommandName, Preferences } from '../contract';

export const INCOMING_WINDOW_SIZE = { width: 340, height: 132 } as const;

/** Window options except webPreferences (main.ts writes those literally, `satisfies SecureWebPreferences`). */
export function incomingWindowOptions(opts: {
  dark: boolean;
  /** The work area of the display the cursor is on: the window sits in its bottom-right corner. */
  workArea: { x: number; y: number; width: number; height: number };
}) {
  const margin = 16;
  return {
    width: INCOMING_WINDOW_SIZE.width,
    height: INCOMING_WINDOW_SIZE.height,
    x: Math.round(opts.workArea.x + opts.workArea.width - INCOMING_WINDOW_SIZE.width - margin),
    y: Math.round(opts.workArea.y + opts.workArea.height - INCOMING_WINDOW_SIZE.height - margin),
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
