/** "For Dupont SA · Forwarded by 2003, no answer" for a call row / announcement (electron/contract/called.ts). */
import { calledInfo, calledText, MAX_CALLED_NAMES, type CalledName, type CallView } from '../../../electron/contract';

/** What it needs of ConsoleState / Locale (structural: this file stays free of runes for the root type-check). */
interface CalledModel {
  readonly accounts: readonly { readonly id: string; readonly user: string }[];
  readonly preferences?: { readonly calledNames: readonly CalledName[] } | undefined;
}
interface CalledLocale {
  t(key: string, params?: Readonly<Record<string, string | number>>): string;
}

export function callForText(model: CalledModel, locale: CalledLocale, call: CallView): string {
  const own = model.accounts.find((a) => a.id === call.accountId)?.user;
  return calledText(calledInfo(call, model.preferences?.calledNames ?? [], own), (key, params) => locale.t(key, params));
}

/** The Settings text of Preferences.calledNames: one "number name" per line. */
export function formatCalledNames(names: readonly CalledName[]): string {
  return names.map((n) => `${n.number} ${n.name}`).join('\n');
}

/**
 * Parse the Settings text: each non-empty line is a number (digits, spaces/dots/dashes inside, optional leading +)
 * then a name. Returns the 1-based line that is not understood. Numbers are kept as digits (+ kept).
 */
export function parseCalledNames(text: string): { ok: true; names: CalledName[] } | { ok: false; line: number } {
  const names: CalledName[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const m = /^(\+?[0-9][0-9 .\-/()]*[0-9]|\+?[0-9])\s*[:;,=\t-]?\s+(\S.*)$/.exec(line);
    if (!m) return { ok: false, line: i + 1 };
    const number = (m[1]!.startsWith('+') ? '+' : '') + m[1]!.replace(/[^0-9]/g, '');
    const name = m[2]!.trim().slice(0, 64);
    if (number.replace('+', '').length > 31 || names.length >= MAX_CALLED_NAMES) return { ok: false, line: i + 1 };
    names.push({ number, name });
  }
  return { ok: true, names };
}
