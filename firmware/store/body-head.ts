// The top-level header bytes of a body, kept in their own record
// (bhead:<sha256>) at delivery: a header FETCH over a whole mailbox (a
// client's first sync) then reads LevelDB records and opens no blob file, and
// needs no structure. The analyzer decides where the header ends
// (BodyInfo.head); the store only keeps and returns the bytes.

import type { BodyHeads } from './types.ts';

/** Bytes of a body read to find its header when a migration builds the record. */
export const MIGRATION_PREFIX = 16 * 1024;

/** The record value: the bytes as a latin1 string (the database's values are JSON). */
export function encodeHead(head: Uint8Array): string {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
}

/** Many records packed into one buffer (one transfer between threads instead of one per body). */
export function packHeads(values: readonly unknown[]): BodyHeads {
  const offsets = new Uint32Array(values.length + 1);
  const strings: string[] = [];
  let total = 0;
  values.forEach((value, i) => {
    if (typeof value === 'string') {
      strings.push(value);
      total += value.length;
    }
    offsets[i + 1] = total;
  });
  // one conversion of the joined text: far cheaper than one write per record
  const bytes = Buffer.from(strings.join(''), 'latin1');
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), offsets };
}

/**
 * The head an analysis of a body's first bytes gives, when it is the head of
 * the whole body too: the prefix is the whole body, or the header ends with a
 * blank line inside it (the scanner decided every line of it on bytes it saw).
 */
export function headFromPrefix(head: Uint8Array | undefined, prefixLength: number, bodyLength: number): Uint8Array | undefined {
  if (head === undefined || head.length === 0 || head.length > prefixLength) return undefined;
  if (prefixLength === bodyLength) return head;
  const n = head.length;
  const blankLine = head[n - 1] === 0x0a && (head[n - 2] === 0x0a || (head[n - 2] === 0x0d && head[n - 3] === 0x0a));
  return blankLine ? head : undefined;
}
