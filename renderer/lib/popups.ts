/**
 * Pop-up decisions (issue 13 item 8), DOM-free so they are unit-tested in Node: whether the web host shows a browser
 * notification, and its text. The browser side is renderer/lib/web-notifications.ts.
 */
import type { Snapshot } from '../../electron/contract/dto';

export type PopupPermission = 'default' | 'denied' | 'granted' | 'unsupported';
export type PopupKind = 'incoming' | 'missed';

export interface PopupContext {
  readonly host: Snapshot['host'] | undefined;
  readonly popups: boolean;
  readonly permission: PopupPermission;
  /** The console page is visible and focused. */
  readonly attentive: boolean;
}

/** Whether to show a browser notification (see the file comment). Pure. */
export function shouldPopUp(kind: PopupKind, c: PopupContext): boolean {
  if (c.host !== 'web' || !c.popups || c.permission !== 'granted') return false;
  // A ringing call on a console she is looking at rings on screen already; a missed call is worth a pop-up anyway.
  return kind === 'missed' || !c.attentive;
}

/**
 * Caller data (attacker-controlled) as notification text: no control, bidi-override or zero-width characters, line
 * breaks as spaces, capped at 80 characters (the OS truncates anyway; a long name must not push the number out).
 */
export function popupText(value: string | undefined): string {
  if (!value) return '';
  const clean = value
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(clean).slice(0, 80).join('').trim();
}

/** Title and body of a pop-up: the name (or number) in the title, the number in the body when a name is known. */
export function popupContent(kind: PopupKind, who: { name?: string | undefined; number: string }): { key: string; params: { name: string }; body: string } {
  const name = popupText(who.name);
  const number = popupText(who.number);
  return { key: kind === 'missed' ? 'notify.missed' : 'notify.incoming', params: { name: name || number }, body: name ? number : '' };
}
