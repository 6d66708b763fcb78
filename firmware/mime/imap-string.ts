// Strings headed for an IMAP response. Unfolded header values can still hold
// a NUL (never allowed in IMAP, not even in a literal) or a bare CR/LF that a
// decoded RFC 2231 value brought in; they are removed here, once, so the
// response compiler can trust every string it gets from this room.

/** A string safe to hand to the IMAP compiler (null stays NIL). */
export function imapString(value: string | null): string | null {
  if (value === null) return null;
  return /[\0\r\n]/.test(value) ? value.replace(/\0/g, '').replace(/\r\n|[\r\n]/g, ' ') : value;
}
