// The search index: one trigram signature (a small Bloom filter) per body,
// built from BodyInfo.text at the moment the body's first reference commits and
// deleted with its last one, in the same batch as the blob record.
//
// Why this shape, for an SD card: a body's signature is written once, as ONE
// key of 6 bits per distinct trigram of its text (a 10 KB message is one
// ~1.5 KB record, not thousands of posting keys), whatever the number of
// mailboxes it is copied to; COPY/MOVE/expunge of a shared body write nothing
// here. A query reads the mailbox's message records (the mailbox filter) and
// the signatures of their bodies, tests the query's trigrams bit by bit, and
// hands back the UIDs that may match. Reading 10,000 signatures (~10 MB) from
// LevelDB is far cheaper than decoding 10,000 bodies, and a query word of n
// characters tests n - 2 trigrams, so false candidates are rare; the IMAP side
// confirms each candidate exactly, so RFC 3501 substring semantics stay exact.
//
// Trigrams are over UTF-16 code units of the normalised text (normalizeSearchText:
// NFC, lower case, whitespace folded); a query term normalised the same way that
// occurs in the text has every one of its trigrams in the text, so the filter
// never rules out a true match (no false negatives, only false positives).
//
// Record value (JSON string): '' = "not indexed, may contain anything" (no text,
// or text cut by the MIME room's size limit); otherwise FORMAT followed by the
// base64 of the filter (a multiple of 3 bytes, so no padding: bits are tested
// straight on the string, nothing is decoded or allocated per message). A value
// in any other format can rule nothing out (fsck rewrites it).
import { Buffer } from 'node:buffer';
import type { BodyInfo } from './types.ts';

/** Shortest term the index can narrow for (one trigram). */
export const MIN_TERM_LENGTH = 3;
/**
 * Filter bits per distinct trigram, two probes each: about 8% false hits per
 * trigram absent from the text. 4 bits (15%) made a 4-letter word a candidate
 * in a third of a 10,000-message test mailbox whenever one of its trigrams is
 * common (MIME header text such as "quoted-printable" is indexed too), and a
 * false BODY candidate costs a blob decode; 6 bits keep it rarer for ~1.2 KB a
 * message.
 */
const BITS_PER_TRIGRAM = 6;
const MIN_BYTES = 24;
/** Prefix of the current filter format. */
const FORMAT = '2:';

/** A value that makes the body a candidate for every query. */
export const UNINDEXED = '';

// 32-bit hash of the trigram (a, b, c); murmur3's finaliser spreads the bits.
function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function trigramHash(a: number, b: number, c: number): number {
  return fmix(Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x5bd1e995, 0x85ebca77) ^ Math.imul(c ^ 0x27d4eb2f, 0xc2b2ae3d));
}

/**
 * Distinct trigram hashes of a string. An open-addressing table in a typed
 * array rather than a Set: this runs for every delivered body on the store's
 * thread, and a Set of ten thousand numbers cost about half a millisecond.
 */
function trigramsOf(text: string): Uint32Array {
  const n = Math.max(0, text.length - 2);
  if (n === 0) return new Uint32Array(0);
  let size = 16;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  // 0 marks an empty slot, so a hash of 0 is kept in `zero`
  const table = new Uint32Array(size);
  let zero = false;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const h = trigramHash(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2));
    if (h === 0) {
      if (!zero) {
        zero = true;
        count++;
      }
      continue;
    }
    let slot = h & mask;
    for (;;) {
      const seen = table[slot]!;
      if (seen === h) break;
      if (seen === 0) {
        table[slot] = h;
        count++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const out = new Uint32Array(count);
  let k = 0;
  if (zero) out[k++] = 0;
  for (let i = 0; i < size; i++) if (table[i] !== 0) out[k++] = table[i]!;
  return out;
}

// The two bit positions of a hash in a filter of `bits` bits: the hash scaled
// to the range (any size works, not only powers of two); the second probe from
// a rehash. Same arithmetic on both sides, so the result is deterministic.
function probe1(h: number, bits: number): number {
  return Math.floor((h / 4294967296) * bits);
}
function probe2(h: number, bits: number): number {
  return Math.floor((fmix(h ^ 0x2c1b3c6d) / 4294967296) * bits);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SIXBITS = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) SIXBITS[BASE64.charCodeAt(i)] = i;

/** Bit `p` of the filter whose base64 starts at `from` in `s` (3 bytes = 4 characters). */
function bitAt(s: string, from: number, p: number): boolean {
  const byte = p >>> 3;
  const group = (byte / 3) | 0;
  const at = from + group * 4;
  const word =
    (SIXBITS[s.charCodeAt(at)]! << 18) |
    (SIXBITS[s.charCodeAt(at + 1)]! << 12) |
    (SIXBITS[s.charCodeAt(at + 2)]! << 6) |
    SIXBITS[s.charCodeAt(at + 3)]!;
  const value = (word >>> (16 - 8 * (byte - group * 3))) & 0xff;
  return (value & (1 << (p & 7))) !== 0;
}

/** The MIME structure marks text cut at its size limit; such a body is never ruled out. */
function textComplete(info: BodyInfo): boolean {
  const structure = info.structure as { readonly textTruncated?: unknown } | undefined;
  return structure?.textTruncated !== true;
}

/** A BodyInfo from its two records (binfo: the rest, btext: the text); undefined when neither exists. */
export function joinBodyInfo(info: BodyInfo | undefined, text: string | undefined): BodyInfo | undefined {
  if (text === undefined) return info;
  return { ...info, text };
}

/** The index record of a body, from the BodyInfo computed at delivery. */
export function signatureOf(info: BodyInfo | undefined): string {
  if (info?.text === undefined || !textComplete(info)) return UNINDEXED;
  const hashes = trigramsOf(info.text);
  const bytes = Math.max(MIN_BYTES, Math.ceil((hashes.length * BITS_PER_TRIGRAM) / 24) * 3);
  const bits = bytes * 8;
  const filter = Buffer.alloc(bytes);
  for (const h of hashes) {
    const p = probe1(h, bits);
    const q = probe2(h, bits);
    filter[p >>> 3]! |= 1 << (p & 7);
    filter[q >>> 3]! |= 1 << (q & 7);
  }
  return FORMAT + filter.toString('base64');
}

/** A compiled query: the trigram hashes every candidate must have. */
export interface SignatureQuery {
  readonly hashes: readonly number[];
}

/**
 * Compile normalised terms into a query, or undefined when no term is long
 * enough to narrow anything (every message is then a candidate).
 */
export function compileQuery(terms: readonly string[]): SignatureQuery | undefined {
  const hashes = new Set<number>();
  for (const term of terms) if (term.length >= MIN_TERM_LENGTH) for (const h of trigramsOf(term)) hashes.add(h);
  return hashes.size === 0 ? undefined : { hashes: [...hashes] };
}

/** May the body behind `signature` contain every term of the query? Never false for a true match. */
export function mayContain(signature: unknown, query: SignatureQuery): boolean {
  if (typeof signature !== 'string' || !signature.startsWith(FORMAT)) return true; // unindexed, or not ours: cannot rule out
  const chars = signature.length - FORMAT.length;
  if (chars < (MIN_BYTES / 3) * 4 || chars % 4 !== 0) return true;
  const bits = (chars / 4) * 24;
  for (const h of query.hashes) {
    if (!bitAt(signature, FORMAT.length, probe1(h, bits))) return false;
    if (!bitAt(signature, FORMAT.length, probe2(h, bits))) return false;
  }
  return true;
}
