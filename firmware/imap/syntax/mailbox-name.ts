// Mailbox names on the wire use modified UTF-7 (RFC 3501 5.1.3); the store keeps
// Unicode names with '/' as the hierarchy delimiter. UTF8=ACCEPT is not offered,
// so every name sent to a client goes through encodeMailboxName.

import { ImapSyntaxError } from '../parser.ts';

export const DELIMITER = '/';

/** Unicode → modified UTF-7. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else pending += ch;
  }
  flush();
  return out;
}

/**
 * Modified UTF-7 → Unicode. Names a client sends as raw 8-bit UTF-8 are taken
 * as they are (clients do this even without UTF8=ACCEPT). Throws on a broken
 * `&...-` sequence.
 */
export function decodeMailboxName(wire: string): string {
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const ch = wire[i]!;
    if (ch !== '&') {
      out += ch;
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end === -1) throw new ImapSyntaxError('Invalid mailbox name encoding');
    const b64 = wire.slice(i + 1, end);
    i = end + 1;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) throw new ImapSyntaxError('Invalid mailbox name encoding');
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) throw new ImapSyntaxError('Invalid mailbox name encoding');
    let units = '';
    for (let j = 0; j < bytes.length; j += 2) units += String.fromCharCode(bytes.readUInt16BE(j));
    if (!units.isWellFormed()) throw new ImapSyntaxError('Invalid mailbox name encoding');
    out += units;
  }
  return out;
}

/** A decoded name with INBOX (any case, also as the first level) normalized to upper case. */
export function normalizeMailboxName(name: string): string {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  if (name.length > 6 && name.slice(0, 6).toUpperCase() === `INBOX${DELIMITER}`) return `INBOX${name.slice(5)}`;
  return name;
}
