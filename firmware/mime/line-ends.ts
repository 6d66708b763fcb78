// Line ends as mail has them on the wire: CRLF (RFC 5322 section 2.1, RFC 5321
// section 2.3.8). Some senders still send a bare LF (or a bare CR) inside DATA.
// Stored as received, such a message has one size on disk and another as
// POP3 and IMAP send it (every line end as CRLF), and clients that compare the
// two (LIST, RFC822.SIZE against what arrives) see a mismatch. Like Postfix,
// the box stores every line end as CRLF.

const CR = 0x0d;
const LF = 0x0a;

/** Whether every CR and LF in `bytes` is part of a CRLF pair. */
export function hasOnlyCrlf(bytes: Uint8Array): boolean {
  let at = bytes.indexOf(LF);
  while (at !== -1) {
    if (at === 0 || bytes[at - 1] !== CR) return false;
    at = bytes.indexOf(LF, at + 1);
  }
  // a CR not followed by LF
  at = bytes.indexOf(CR);
  while (at !== -1) {
    if (bytes[at + 1] !== LF) return false;
    at = bytes.indexOf(CR, at + 1);
  }
  return true;
}

/**
 * `bytes` with every bare LF and bare CR turned into CRLF; the same buffer
 * when there is none (the common case costs two indexOf scans, no copy).
 */
export function toCrlf(bytes: Uint8Array): Uint8Array {
  if (hasOnlyCrlf(bytes)) return bytes;
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === CR) {
      out[n++] = CR;
      out[n++] = LF;
      if (bytes[i + 1] === LF) i++;
    } else if (b === LF) {
      out[n++] = CR;
      out[n++] = LF;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}
