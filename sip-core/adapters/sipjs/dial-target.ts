/** Turn what a receptionist types into a SIP URI on the account's domain (RFC 3261 §19.1, RFC 3966 tel). */
import { CallError } from '../../api/softphone';

const USER_CHARS = /^[A-Za-z0-9\-_.!~*'()&=+$,/%]+$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?)(?::\d{1,5})?$/;

export function dialTargetToUri(target: string, domain: string): string {
  if (typeof target !== 'string') throw new CallError('invalid-target', 'Target must be a string');
  let t = target.trim();
  if (t === '' || t.length > 256) throw new CallError('invalid-target', 'Target is empty or too long');
  if (/[\s<>"\u0000-\u001f\u007f]/.test(t)) throw new CallError('invalid-target', 'Target contains invalid characters');
  const lower = t.toLowerCase();
  if (lower.startsWith('tel:')) {
    // RFC 3966: keep digits and a leading +, drop visual separators; parameters are not carried over.
    const number = t.slice(4).split(';')[0] ?? '';
    const digits = number.replace(/[\-.()]/g, '');
    if (!/^\+?[0-9*#]+$/.test(digits)) throw new CallError('invalid-target', 'Invalid tel: number');
    return `sip:${digits}@${domain};user=phone`;
  }
  let scheme = 'sip';
  if (lower.startsWith('sips:')) {
    scheme = 'sips';
    t = t.slice(5);
  } else if (lower.startsWith('sip:')) {
    t = t.slice(4);
  }
  let user: string;
  let hostPart: string;
  let params = '';
  const at = t.lastIndexOf('@');
  if (at >= 0) {
    user = t.slice(0, at);
    const rest = t.slice(at + 1);
    const semi = rest.indexOf(';');
    hostPart = semi >= 0 ? rest.slice(0, semi) : rest;
    params = semi >= 0 ? rest.slice(semi) : '';
  } else {
    user = t;
    hostPart = domain;
  }
  // Phone-number style input: drop visual separators (spaces were rejected above).
  if (/^\+?[0-9\-.()]+$/.test(user)) user = user.replace(/[\-.()]/g, '');
  if (user === '' || !USER_CHARS.test(user)) throw new CallError('invalid-target', 'Invalid user part');
  if (!HOST.test(hostPart)) throw new CallError('invalid-target', 'Invalid host');
  if (params !== '' && !/^(;[A-Za-z0-9\-_.!~*'%]+(=[A-Za-z0-9\-_.!~*'%]+)?)+$/.test(params)) {
    throw new CallError('invalid-target', 'Invalid URI parameters');
  }
  return `${scheme}:${user}@${hostPart}${params}`;
}
