/**
 * XCAP (RFC 4825) client for one document: the console's rls-services document (RFC 4826) that tells a resource list
 * server (Kamailio `rls` + `xcap_server`, OpenSIPS) which extensions its list URI carries. HTTP digest (RFC 7616,
 * MD5, qop=auth or none) with the SIP account's credentials, as XCAP servers tied to a SIP registrar expect.
 * Bounded: a timeout, the response body is drained and ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface XcapCredentials {
  readonly user: string;
  readonly password: string;
}

export class XcapError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 5000;
const MAX_DOC_BYTES = 1024 * 1024;

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** One service of an rls-services document: the list URI and the resource URIs it carries. */
export interface RlsService {
  readonly uri: string;
  readonly resources: readonly string[];
}

/** The rls-services document: one service (the list URI) with an inline list of resource URIs, dialog package. */
export function rlsServicesDocument(serviceUri: string, resourceUris: readonly string[]): string {
  return rlsServicesDocumentOf([{ uri: serviceUri, resources: resourceUris }]);
}

/** Several services in one document (RFC 4826 §4.2: `<rls-services>` holds any number of `<service>`). */
export function rlsServicesDocumentOf(services: readonly RlsService[]): string {
  const service = (s: RlsService): string => {
    const entries = s.resources.map((u) => `<rl:entry uri="${xmlEscape(u)}"/>`).join('\n');
    return `<service uri="${xmlEscape(s.uri)}">\n<list>\n${entries}\n</list>\n<packages><package>dialog</package></packages>\n</service>\n`;
  };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rls-services xmlns="urn:ietf:params:xml:ns:rls-services" xmlns:rl="urn:ietf:params:xml:ns:resource-lists">\n' +
    services.map(service).join('') +
    '</rls-services>\n'
  );
}

/** `<root>/rls-services/users/<xui>/index` (RFC 4826 §4.4: the user's document is named `index`). */
export function rlsServicesUrl(xcapRoot: string, xui: string): URL {
  const root = xcapRoot.replace(/\/+$/, '');
  const url = new URL(`${root}/rls-services/users/${encodeURI(xui).replace(/[?#]/g, encodeURIComponent)}/index`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new XcapError(`XCAP root must be http(s): ${url.protocol}`, 0);
  return url;
}

interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

function request(url: URL, method: string, body: string, headers: Record<string, string>): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      // agent: false — a fresh connection each time: Kamailio's xhttp closes the connection after answering.
      { method, agent: false, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: TIMEOUT_MS },
      (res) => {
        res.resume(); // drain, ignore
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new XcapError('XCAP server did not answer in time', 0)));
    req.on('error', (e) => reject(e instanceof XcapError ? e : new XcapError(`XCAP: ${e.message}`, 0)));
    req.end(body);
  });
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** `WWW-Authenticate: Digest realm="…", nonce="…", qop="auth", opaque="…"` → its parameters. */
export function parseDigestChallenge(value: string): Record<string, string> | undefined {
  if (!/^\s*digest\s/i.test(value)) return undefined;
  const out: Record<string, string> = {};
  const re = /([a-zA-Z-]{1,32})\s*=\s*(?:"([^"]{0,512})"|([^\s,]{0,512}))/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(value)) !== null && n++ < 16) out[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  return out.nonce !== undefined && out.realm !== undefined ? out : undefined;
}

export function digestAuthorization(method: string, path: string, c: Record<string, string>, creds: XcapCredentials, cnonce = randomBytes(8).toString('hex')): string {
  const algorithm = (c.algorithm ?? 'MD5').toUpperCase();
  if (algorithm !== 'MD5') throw new XcapError(`XCAP digest algorithm ${algorithm.slice(0, 32)} not supported`, 401);
  const ha1 = md5(`${creds.user}:${c.realm}:${creds.password}`);
  const ha2 = md5(`${method}:${path}`);
  const qop = (c.qop ?? '').split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const nc = '00000001';
  const response = qop ? md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  const q = (s: string): string => s.replace(/["\\]/g, '');
  return (
    `Digest username="${q(creds.user)}", realm="${q(c.realm ?? '')}", nonce="${q(c.nonce ?? '')}", uri="${q(path)}", ` +
    `response="${response}", algorithm=MD5` +
    (qop ? `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"` : '') +
    (c.opaque !== undefined ? `, opaque="${q(c.opaque)}"` : '')
  );
}

/** PUT the document; a 401 is answered once with digest credentials. Resolves on 2xx; XcapError otherwise. */
export async function xcapPut(url: URL, contentType: string, doc: string, creds: XcapCredentials): Promise<void> {
  if (Buffer.byteLength(doc) > MAX_DOC_BYTES) throw new XcapError('XCAP document too large', 0);
  const path = url.pathname + url.search;
  const headers = { 'Content-Type': contentType };
  let res = await request(url, 'PUT', doc, headers);
  if (res.status === 401) {
    const raw = res.headers['www-authenticate'];
    const challenge = (Array.isArray(raw) ? raw : [raw ?? '']).map(parseDigestChallenge).find((c) => c !== undefined);
    if (!challenge) throw new XcapError('XCAP server asks for an authentication other than digest', 401);
    res = await request(url, 'PUT', doc, { ...headers, Authorization: digestAuthorization('PUT', path, challenge, creds) });
  }
  if (res.status < 200 || res.status >= 300) throw new XcapError(`XCAP PUT answered ${res.status}`, res.status);
}
