// The signed update bundle: one file an admin copies to the box.
//
//   POCHTA-BUNDLE 1\n
//   <manifest JSON, one line>\n
//   <ed25519 signature of the manifest bytes, base64>\n
//   <payload: gzip'd tar of the release tree (node/, app/, release.json)>
//
// The signature covers the manifest, and the manifest holds the payload's size
// and SHA-256, so a bundle is checked without unpacking anything. Keys are
// ed25519 from node:crypto; the private key never enters the repository.

import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { PochtaError } from '../errors.ts';

export const BUNDLE_MAGIC = 'POCHTA-BUNDLE 1';
/** The manifest and signature lines are small; a longer header is not a bundle. */
const MAX_HEADER = 64 * 1024;

export interface BundleManifest {
  readonly format: 1;
  /** Release name; becomes /opt/pochta/releases/<version>. */
  readonly version: string;
  /** The Node version inside the payload. */
  readonly node: string;
  readonly commit: string;
  readonly created: string;
  readonly payload: { readonly size: number; readonly sha256: string; readonly compression: 'gzip' };
}

export interface VerifiedBundle {
  readonly manifest: BundleManifest;
  /** Byte offset of the payload in the bundle file. */
  readonly payloadOffset: number;
}

const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,99}$/;

/** A new ed25519 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** SHA-256 (hex) and size of `length` bytes of a file from `start` (to its end when length is undefined). */
export async function hashFileRange(path: string, start = 0, length?: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const end = length === undefined ? undefined : start + length - 1;
  const stream = createReadStream(path, end === undefined ? { start } : { start, end });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Write a bundle: the header naming `payloadPath` (a gzip'd tar made by the
 * caller), signed with `privateKeyPem`, then the payload bytes.
 */
export async function writeBundle(
  out: string,
  payloadPath: string,
  info: { version: string; node: string; commit: string; created: string },
  privateKeyPem: string | KeyObject,
): Promise<BundleManifest> {
  if (!VERSION_RE.test(info.version)) throw new PochtaError('INVALID_ARGUMENT', `bad release version "${info.version}"`);
  const { sha256, size } = await hashFileRange(payloadPath);
  const manifest: BundleManifest = { format: 1, ...info, payload: { size, sha256, compression: 'gzip' } };
  const json = JSON.stringify(manifest);
  const signature = sign(null, Buffer.from(json), privateKeyPem).toString('base64');
  await writeFile(out, `${BUNDLE_MAGIC}\n${json}\n${signature}\n`);
  const handle = await open(out, 'a');
  try {
    for await (const chunk of createReadStream(payloadPath) as AsyncIterable<Buffer>) await handle.write(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return manifest;
}

/**
 * Check a bundle against the public key: magic, manifest signature, payload
 * size and SHA-256. Resolves with the manifest; rejects with PochtaError
 * FORBIDDEN (signature) or INVALID_ARGUMENT (not a bundle, damaged, truncated).
 */
export async function verifyBundle(path: string, publicKeyPem: string | KeyObject): Promise<VerifiedBundle> {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  const total = (await stat(path)).size;
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(MAX_HEADER, total));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const nl1 = head.indexOf(10);
  const nl2 = nl1 < 0 ? -1 : head.indexOf(10, nl1 + 1);
  const nl3 = nl2 < 0 ? -1 : head.indexOf(10, nl2 + 1);
  if (nl3 < 0 || head.subarray(0, nl1).toString('latin1') !== BUNDLE_MAGIC) {
    throw new PochtaError('INVALID_ARGUMENT', `${path} is not a Pochta update bundle`);
  }
  const json = head.subarray(nl1 + 1, nl2);
  const signature = Buffer.from(head.subarray(nl2 + 1, nl3).toString('latin1'), 'base64');
  if (!verify(null, json, key, signature)) {
    throw new PochtaError('FORBIDDEN', `${path}: the signature does not match this box's update key`);
  }
  const manifest = parseManifest(json.toString('utf8'));
  const payloadOffset = nl3 + 1;
  if (total - payloadOffset !== manifest.payload.size) {
    throw new PochtaError(
      'INVALID_ARGUMENT',
      `${path}: payload is ${total - payloadOffset} bytes, the manifest says ${manifest.payload.size}`,
    );
  }
  const { sha256 } = await hashFileRange(path, payloadOffset);
  if (sha256 !== manifest.payload.sha256) throw new PochtaError('INVALID_ARGUMENT', `${path}: payload damaged (SHA-256 mismatch)`);
  return { manifest, payloadOffset };
}

function parseManifest(text: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PochtaError('INVALID_ARGUMENT', 'bundle manifest is not JSON');
  }
  const m = raw as Partial<BundleManifest> | null;
  const ok =
    m !== null &&
    typeof m === 'object' &&
    m.format === 1 &&
    typeof m.version === 'string' &&
    VERSION_RE.test(m.version) &&
    typeof m.node === 'string' &&
    typeof m.commit === 'string' &&
    typeof m.created === 'string' &&
    typeof m.payload === 'object' &&
    m.payload !== null &&
    Number.isSafeInteger(m.payload.size) &&
    typeof m.payload.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.payload.sha256) &&
    m.payload.compression === 'gzip';
  if (!ok) throw new PochtaError('INVALID_ARGUMENT', 'bundle manifest is malformed');
  return m as BundleManifest;
}

/** Read a PEM file (the box's public key, or the build's private key). */
export async function readPem(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
