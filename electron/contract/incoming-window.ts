/**
 * The compact incoming-call window's geometry, shared by the shell (electron/main/incoming-window.ts sizes the window)
 * and the page (renderer/components/IncomingCallWindow.svelte draws its rows with these sizes), so the window is as
 * tall as the rows it shows. tests/e2e/shell.e2e.ts checks that they fit at every count in every language.
 * No zod: the page imports this file directly.
 */
export const INCOMING_WINDOW_LAYOUT = {
  width: 400,
  /** The border and padding above and below the rows. */
  chrome: 24,
  /** "3 calls ringing", shown when more than one call rings. */
  heading: 20,
  /** One call: the caller's line and two detail lines (number · company, who it is for), each cut with an ellipsis. */
  row: 52,
  gap: 6,
  /** One call alone still gets a window this high: easy to see and to hit. */
  minHeight: 96,
} as const;

/** Rows shown before the list scrolls. */
export const INCOMING_WINDOW_ROWS = 4;
