// DKIM signing of outbound mail with the domain key the store generated.
// Signing happens once, when the message enters the queue: the stored body is
// then final, every retry sends the same bytes, and a key rotated later does
// not change what the sender already handed over.

import { createPrivateKey } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import type { MailStore } from '../../store/types.ts';
import { headerBlock } from './dsn.ts';
import { domainOf } from './reply.ts';

/**
 * Headers covered by the signature. From is listed twice so that a From added
 * in transit breaks it (RFC 6376 §8.15 over-signing); the others are what
 * recipients see and what threading and list handling rely on.
 */
export const DKIM_HEADERS = [
  'from',
  'from',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'to',
  'cc',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'in-reply-to',
  'references',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
] as const;

/** The domain of the first From address, lower-cased; undefined if there is none. */
export function fromHeaderDomain(raw: Uint8Array): string | undefined {
  const unfolded = headerBlock(raw).replace(/\r\n[ \t]+/g, ' ');
  const line = unfolded.split('\r\n').find((l) => /^from\s*:/i.test(l));
  if (line === undefined) return undefined;
  for (const a of addressparser(line.slice(line.indexOf(':') + 1), { flatten: true })) {
    if (a.address) return domainOf(a.address) || undefined;
  }
  return undefined;
}

/** rsa-sha256 for the RSA keys the store makes; ed25519-sha256 should a domain ever carry such a key. */
function algorithmOf(pem: string): string {
  return createPrivateKey(pem).asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
}

export interface SignResult {
  readonly body: Buffer;
  /** The d= domain, or undefined when nothing was signed (no local domain or no key). */
  readonly domain?: string;
  readonly error?: string;
}

/**
 * Sign with the key of the From header's domain (DMARC aligns on it), falling
 * back to the envelope sender's. A message that cannot be signed goes out
 * unsigned rather than not at all; `error` says why, for the log.
 */
export async function signOutbound(
  raw: Uint8Array,
  envelopeFrom: string,
  store: Pick<MailStore, 'getDomain'>,
  now: () => number,
): Promise<SignResult> {
  const body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const candidates = [fromHeaderDomain(raw), domainOf(envelopeFrom)].filter((d): d is string => d !== undefined && d !== '');
  for (const name of new Set(candidates)) {
    const domain = await store.getDomain(name);
    if (domain?.dkim === undefined) continue;
    try {
      const key = domain.dkim;
      // mailauth signs what signatureData lists (the top-level key options alone sign nothing).
      const signature = {
        signingDomain: domain.name,
        selector: key.selector,
        privateKey: key.privateKeyPem,
        canonicalization: 'relaxed/relaxed',
        algorithm: algorithmOf(key.privateKeyPem),
      };
      // Loaded with the first message signed, not when the SMTP listener starts (it is most of that
      // start time); the module loader keeps it after the first import.
      const { dkimSign } = await import('mailauth');
      const signed = await dkimSign(body, {
        ...signature,
        headerList: [...DKIM_HEADERS],
        signTime: new Date(now()),
        signatureData: [signature],
      });
      const first = signed.errors[0];
      if (first !== undefined || signed.signatures === '') return { body, error: first?.err.message ?? 'no signature made' };
      return { body: Buffer.concat([Buffer.from(signed.signatures, 'utf8'), body]), domain: domain.name };
    } catch (err) {
      return { body, error: (err as Error).message };
    }
  }
  return { body };
}
