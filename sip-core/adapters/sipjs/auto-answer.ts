/**
 * Server-requested auto-answer of an incoming INVITE (intercom / paging). Detection only; the console decides.
 *  - Call-Info: <uri>;answer-after=N            (BroadWorks, Polycom, Cisco; Asterisk:
 *                                                 `PJSIP_HEADER(add,Call-Info)=<sip:pbx>;answer-after=0`)
 *  - Alert-Info: …auto-answer… | info=alert-autoanswer | intercom, optional ;delay=N or ;answer-after=N (Snom, Yealink)
 *  - Answer-Mode / Priv-Answer-Mode: Auto        (RFC 5373 §7.1)
 *
 * Who may ask (softphone.ts with trust.ts): any caller can write these headers, so they count only in an INVITE the
 * PBX built itself (one Via: a back-to-back PBX such as Asterisk, which does not copy them from the caller's leg
 * unless its dialplan does), or one relayed by a proxy the account marks `trustRelayedHeaders` — a proxy that removes
 * all of them from what user agents send and adds them itself. Otherwise the request is ignored (the call rings).
 */

export interface AutoAnswerHeaders {
  readonly callInfo: readonly string[];
  readonly alertInfo: readonly string[];
  readonly answerMode: readonly string[];
}

/** Longest delay we report (s); a larger or absurd value is capped, never trusted as a number. */
export const MAX_AUTO_ANSWER_DELAY_S = 3600;
const MAX_HEADER_CHARS = 2048;
const MAX_VALUES = 16;

function delayParam(value: string, names: readonly string[]): number | 'absent' | 'invalid' {
  for (const name of names) {
    const re = new RegExp(`;\\s*${name}\\s*=\\s*("?)([^;,"\\s>]*)\\1`, 'i');
    const m = re.exec(value);
    if (!m) continue;
    const raw = m[2] ?? '';
    if (!/^\d+$/.test(raw)) return 'invalid';
    // Digits only: a huge value is just "later than we care about".
    return raw.length > 6 ? MAX_AUTO_ANSWER_DELAY_S : Math.min(Number(raw), MAX_AUTO_ANSWER_DELAY_S);
  }
  return 'absent';
}

function usable(values: readonly string[]): string[] {
  return values.slice(0, MAX_VALUES).filter((v) => typeof v === 'string' && v.length <= MAX_HEADER_CHARS);
}

/** Seconds to wait before answering (0 = at once), or `undefined` when the INVITE does not ask for auto-answer. */
export function autoAnswerAfter(headers: AutoAnswerHeaders): number | undefined {
  for (const v of usable(headers.callInfo)) {
    const d = delayParam(v, ['answer-after']);
    if (typeof d === 'number') return d;
  }
  for (const v of usable(headers.alertInfo)) {
    if (!/auto[- ]?answer|alert-autoanswer|intercom/i.test(v)) continue;
    // The delay is a header parameter, never something inside the <uri>.
    const params = v.replace(/<[^>]*>/g, '');
    const d = delayParam(params, ['delay', 'answer-after']);
    if (d === 'invalid') continue;
    return d === 'absent' ? 0 : d;
  }
  for (const v of usable(headers.answerMode)) {
    if (/^\s*auto\s*(?:;|$)/i.test(v)) return 0;
  }
  return undefined;
}
