/**
 * Who a ringing call is for (issue 13 item 3): the number dialed (DNIS — the To user, or the first number of a
 * forwarding chain) named after the company or service the receptionist answers it for, and who forwarded it.
 * Pure: the renderer (call rows, announcements) and main (OS notifications, incoming-call window) share it.
 */
import type { CalledName, CallView, DiversionReasonView } from './dto';

/** Digits of a number as typed or received: `+33 1 23-45.67 89` → `33123456789`; `*`/`#` kept. */
export function numberDigits(value: string): string {
  return value.replace(/[^0-9*#]/g, '');
}

/**
 * Same number? Exact digits, or — both at least 8 digits long, the national and international forms of one number
 * (`0123456789` and `+33123456789`) — the same last 9 digits (the subscriber number of most numbering plans without
 * trunk prefix and country code). Short extensions must match exactly.
 */
export function sameNumber(a: string, b: string): boolean {
  const x = numberDigits(a);
  const y = numberDigits(b);
  if (x === '' || y === '') return false;
  if (x === y) return true;
  if (x.length < 8 || y.length < 8 || /[*#]/.test(x + y)) return false;
  return x.slice(-9) === y.slice(-9);
}

export interface CalledInfo {
  /** The number dialed, when worth showing (not simply this console's own extension). */
  readonly number?: string;
  /** The company / service behind that number (Preferences.calledNames). */
  readonly name?: string;
  /** Forwarded by (display name or number) and why. */
  readonly forwardedBy?: { readonly name?: string; readonly number: string; readonly reason?: DiversionReasonView };
}

/**
 * What to say about who a call is for. `ownUser` is this console's SIP user: "for 1001" on every call to the
 * console says nothing. Undefined when there is nothing to add.
 */
export function calledInfo(
  call: Pick<CallView, 'direction' | 'called' | 'diversion'>,
  names: readonly CalledName[],
  ownUser?: string,
): CalledInfo | undefined {
  if (call.direction !== 'incoming') return undefined;
  const d = call.diversion;
  // The first number of a forwarding chain is what the caller dialed; else the To of this INVITE.
  const dialed = d?.originallyCalled || call.called || undefined;
  const named = dialed ? names.find((n) => sameNumber(n.number, dialed)) : undefined;
  const mine = dialed !== undefined && ownUser !== undefined && sameNumber(dialed, ownUser);
  const byNumber = d?.by.user || d?.by.uri || '';
  const redundant = dialed !== undefined && byNumber !== '' && sameNumber(dialed, byNumber);
  const showNumber = dialed !== undefined && (named !== undefined || (!mine && !redundant));
  const forwardedBy = d
    ? { number: byNumber, ...(d.by.displayName ? { name: d.by.displayName } : {}), ...(d.reason ? { reason: d.reason } : {}) }
    : undefined;
  if (!showNumber && !forwardedBy) return undefined;
  return {
    ...(showNumber && { number: dialed }),
    ...(named && { name: named.name }),
    ...(forwardedBy && { forwardedBy }),
  };
}

/** The translator both hosts have (renderer Locale.t, main's t). */
export type Translate = (key: string, params?: Readonly<Record<string, string | number>>) => string;

/**
 * One line of text for a ringing call: "For Dupont SA (0331234567) · Forwarded by Bob (2003), no answer".
 * Empty when there is nothing to say. Text only: the caller controls the names (sanitised in sip-core).
 */
export function calledText(info: CalledInfo | undefined, t: Translate): string {
  if (!info) return '';
  const parts: string[] = [];
  if (info.name !== undefined && info.number !== undefined) parts.push(t('call.for.named', { name: info.name, number: info.number }));
  else if (info.number !== undefined) parts.push(t('call.for.number', { number: info.number }));
  const f = info.forwardedBy;
  if (f) {
    const who = f.name && f.number && f.name !== f.number ? `${f.name} (${f.number})` : f.name || f.number;
    parts.push(
      f.reason && f.reason !== 'unknown'
        ? t('call.forwardedBy.reason', { who, reason: t(`call.diversionReason.${f.reason}`) })
        : t('call.forwardedBy', { who }),
    );
  }
  return parts.join(' · ');
}
