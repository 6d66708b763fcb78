// The start of a body through the end of its top-level header, kept in its
// own record (bhead:<sha256>) at delivery: a header FETCH over a whole mailbox
// (a client's first sync) then reads LevelDB records and opens no blob file.
// A prefix of the blob, so any range inside it is byte-exact; a header longer
// than HEAD_LIMIT is not kept and readers fall back to the blob.

/** Headers longer than this are not kept (readers open the blob instead). */
export const HEAD_LIMIT = 16 * 1024;

/**
 * The body's bytes up to and including the blank line that ends its top-level
 * header (CRLF CRLF, or LF LF for a body stored with bare line ends); the whole
 * body when it has no blank line and fits; undefined when the header is longer
 * than HEAD_LIMIT.
 */
export function headOf(body: Uint8Array): Uint8Array | undefined {
  const n = Math.min(body.length, HEAD_LIMIT);
  for (let i = 0; i < n; i++) {
    if (body[i] !== 0x0a) continue;
    if (body[i + 1] === 0x0a) return i + 2 <= HEAD_LIMIT ? body.subarray(0, i + 2) : undefined;
    if (body[i + 1] === 0x0d && body[i + 2] === 0x0a) return i + 3 <= HEAD_LIMIT ? body.subarray(0, i + 3) : undefined;
  }
  if (body.length === 0) return undefined;
  return body.length <= HEAD_LIMIT ? body : undefined;
}

/** The record value: the bytes as a latin1 string (the database's values are JSON). */
export function encodeHead(head: Uint8Array): string {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
}

export function decodeHead(value: unknown): Uint8Array | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'latin1') : undefined;
}
