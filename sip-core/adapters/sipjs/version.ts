/**
 * The SIP.js version actually loaded, from its package.json (About, issue 13 item 9). Not sip.js's exported
 * `version` constant: 0.21.2 still says "0.21.1" there.
 */
export function sipjsVersion(): string | undefined {
  try {
    const v = (require('sip.js/package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
