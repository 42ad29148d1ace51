/**
 * Why the company directory could not be read, in a form that crosses the storage worker's boundary (issue 14:
 * worker/errors.ts rebuilds LdapError with its `reason`). No ldapts here: the console's main thread imports this
 * module to name the failure without loading the LDAP client.
 */

/** Why the company directory could not be read, for the receptionist (`contacts.companyError.<reason>`). */
export type LdapFailureReason = 'credentials' | 'base' | 'access' | 'unreachable' | 'not-found' | 'timeout' | 'tls' | 'other';

/** LDAP result codes (RFC 4511 §4.1.9) and socket errors in words a receptionist can pass on to IT. */
export function classifyLdapFailure(e: unknown): { reason: LdapFailureReason; text: string } {
  const err = e as { code?: unknown; message?: string; name?: string };
  switch (err.code) {
    case 49:
      return { reason: 'credentials', text: 'the bind DN or password was refused (invalid credentials)' };
    case 32:
      return { reason: 'base', text: 'the search base does not exist on the server' };
    case 50:
      return { reason: 'access', text: 'the account is not allowed to read the directory' };
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'unreachable', text: `the server cannot be reached (${err.code})` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'not-found', text: 'the server name could not be found' };
    case 'ETIMEDOUT':
      return { reason: 'timeout', text: 'the server did not answer in time' };
    default: {
      const message = (err.message ?? String(e)).trim() || 'unknown error';
      // ldapts wraps some socket errors in its own messages; a timeout is named in them.
      if (/timeout|timed out/i.test(message) || err.name === 'TimeoutError') return { reason: 'timeout', text: message };
      if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH/.test(message)) return { reason: 'unreachable', text: message };
      if (/certificate|self.signed|TLS|SSL/i.test(message)) return { reason: 'tls', text: message };
      return { reason: 'other', text: message };
    }
  }
}

export class LdapError extends Error {
  override readonly name = 'LdapError';
  constructor(
    message: string,
    /** What the receptionist is told (`contacts.companyError.<reason>`). */
    readonly reason: LdapFailureReason = 'other',
  ) {
    super(message);
  }
}
