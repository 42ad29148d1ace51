/**
 * The company CA of an account (`tlsCa` inline PEM and/or `tlsCaFile`, a PEM file): read, checked, and handed to
 * sip-core as `SipAccountConfig.tlsCa`. Errors name the field and the path, never the file's contents.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { isPemCertificates, pemCertificates, TLS_CA_MAX_CHARS } from '../contract/dto';

export class TlsCaError extends Error {
  constructor(
    /** The account field at fault. */
    readonly field: 'tlsCa' | 'tlsCaFile',
    /** Says what is wrong, starting lowercase: "the file /etc/x.pem does not exist". */
    readonly why: string,
  ) {
    super(`${field}: ${why}`);
    this.name = 'TlsCaError';
  }
}

/** Certificates that OpenSSL can actually parse (a damaged block would otherwise fail every connection). */
function checkedBlocks(text: string, field: 'tlsCa' | 'tlsCaFile', where: string): string[] {
  if (!isPemCertificates(text)) {
    throw new TlsCaError(field, `${where} does not contain PEM certificates (-----BEGIN CERTIFICATE----- …) or contains something else (e.g. a private key)`);
  }
  const blocks = pemCertificates(text);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new TlsCaError(field, `certificate ${i + 1} of ${blocks.length} in ${where} is damaged (not a readable X.509 certificate)`);
    }
  });
  return blocks;
}

/** Read and check a PEM file of CA certificates; returns just the certificate blocks. Throws TlsCaError. */
export function readTlsCaFile(path: string): string[] {
  const where = `the file ${path}`;
  if (!isAbsolute(path)) throw new TlsCaError('tlsCaFile', `${path} is not an absolute path`);
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new TlsCaError('tlsCaFile', `${path} is a folder, not a PEM file`);
    if (!st.isFile()) throw new TlsCaError('tlsCaFile', `${path} is not a regular file`);
    if (st.size > TLS_CA_MAX_CHARS) throw new TlsCaError('tlsCaFile', `${where} is larger than ${TLS_CA_MAX_CHARS / 1024} KiB`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof TlsCaError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new TlsCaError('tlsCaFile', code === 'ENOENT' ? `${where} does not exist` : `${where} cannot be read (${code})`);
  }
  return checkedBlocks(text.replace(/^\uFEFF/, ''), 'tlsCaFile', where);
}

/**
 * The PEM to trust in addition to the usual roots: inline `tlsCa` and the certificates of `tlsCaFile` together, or
 * undefined when the account has neither. Throws TlsCaError.
 */
export function companyCa(account: { readonly tlsCa?: string | undefined; readonly tlsCaFile?: string | undefined }): string | undefined {
  const blocks: string[] = [];
  if (account.tlsCa !== undefined) blocks.push(...checkedBlocks(account.tlsCa, 'tlsCa', 'the text'));
  if (account.tlsCaFile !== undefined) blocks.push(...readTlsCaFile(account.tlsCaFile));
  return blocks.length > 0 ? `${blocks.join('\n')}\n` : undefined;
}
