// The box's certificate as the web UI shows and replaces it: facts read with
// node:crypto's X509Certificate; an upload is checked (PEM, not expired, key
// matches) before it replaces the files, which every listener then reloads
// (firmware/net/tls.ts watches them).

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureTlsFiles } from '../../firmware/net/tls.ts';
import type { TlsFiles } from '../../firmware/supervisor/service.ts';
import type { TlsInfo } from '../api-types.ts';
import { ApiFailure } from './errors.ts';

const DAY = 86_400_000;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificateInfo(pem: string | Buffer, now: number): TlsInfo {
  const cert = new X509Certificate(pem);
  const validTo = Date.parse(cert.validTo);
  const altNames = (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter((s) => s !== '');
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    issuer: cert.issuer.replaceAll('\n', ', '),
    altNames,
    validFrom: Date.parse(cert.validFrom),
    validTo,
    daysLeft: Math.floor((validTo - now) / DAY),
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
    fingerprint256: cert.fingerprint256,
  };
}

export async function readCertificateInfo(files: TlsFiles, now: number): Promise<TlsInfo> {
  return certificateInfo(await readFile(files.certPath), now);
}

/** Check an upload; ApiFailure naming `certPem` or `keyPem` for what is wrong. Returns the leaf's facts. */
export function checkUpload(certPem: string, keyPem: string, now: number): TlsInfo {
  const blocks = certPem.match(PEM_CERT) ?? [];
  if (blocks.length === 0)
    throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This is not a certificate in PEM form (-----BEGIN CERTIFICATE-----).', 'certPem');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]!);
    for (const block of blocks.slice(1)) new X509Certificate(block);
  } catch {
    throw new ApiFailure(400, 'INVALID_ARGUMENT', 'The certificate cannot be read; it may be damaged or cut short.', 'certPem');
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This is not a private key in PEM form (or it is protected by a passphrase).', 'keyPem');
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This key does not belong to the certificate (the first one in the file).', 'keyPem');
  }
  const info = certificateInfo(blocks[0]!, now);
  if (info.validTo <= now) throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This certificate has expired.', 'certPem');
  if (info.validFrom > now + DAY) throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This certificate is not valid yet.', 'certPem');
  return info;
}

/** Replace the files: key first (mode 0600, never readable by others), then the certificate, each by rename. */
export async function writeTlsFiles(files: TlsFiles, certPem: string, keyPem: string): Promise<void> {
  const keyTemp = `${files.keyPath}.new`;
  const certTemp = `${files.certPath}.new`;
  await mkdir(dirname(files.keyPath), { recursive: true, mode: 0o700 });
  await writeFile(keyTemp, keyPem.endsWith('\n') ? keyPem : `${keyPem}\n`, { mode: 0o600 });
  await chmod(keyTemp, 0o600);
  await writeFile(certTemp, certPem.endsWith('\n') ? certPem : `${certPem}\n`, { mode: 0o644 });
  await rename(keyTemp, files.keyPath);
  await rename(certTemp, files.certPath);
}

/** A new self-signed certificate for `hostname` in place of the current one. */
export async function regenerateSelfSigned(files: TlsFiles, hostname: string, openssl?: string): Promise<void> {
  const work = await mkdtemp(join(dirname(files.keyPath), '.regen-'));
  try {
    const temp = { certPath: join(work, 'cert.pem'), keyPath: join(work, 'key.pem') };
    await ensureTlsFiles({ ...temp, hostname, ...(openssl ? { openssl } : {}) });
    await writeTlsFiles(files, await readFile(temp.certPath, 'utf8'), await readFile(temp.keyPath, 'utf8'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
