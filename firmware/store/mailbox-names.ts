// Mailbox names: '/'-separated hierarchy, INBOX case-insensitive and always
// stored upper-case (RFC 3501 5.1). Names are Unicode here; modified UTF-7 is
// the IMAP room's business.
import { PochtaError } from '../errors.ts';

export const INBOX = 'INBOX';
export const DELIMITER = '/';

/** The canonical form of a mailbox name; INVALID_NAME for names no client could use. */
export function normalizeMailboxName(name: string): string {
  let out = name;
  if (out.toUpperCase() === INBOX) out = INBOX;
  else if (out.slice(0, 6).toUpperCase() === 'INBOX/') out = `${INBOX}${out.slice(5)}`;
  const bad =
    out.length === 0 ||
    out.length > 512 ||
    out.startsWith(DELIMITER) ||
    out.endsWith(DELIMITER) ||
    out.includes('//') ||
    /[\p{Cc}*%]/u.test(out) ||
    out.split(DELIMITER).some((part) => part.length > 255 || part.trim().length === 0);
  if (bad) throw new PochtaError('INVALID_NAME', `invalid mailbox name ${JSON.stringify(name)}`);
  return out;
}

/** Every ancestor of a name, outermost first: 'a/b/c' gives ['a', 'a/b']. */
export function parentNames(name: string): string[] {
  const parts = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}

export function isSameOrChild(name: string, ancestor: string): boolean {
  return name === ancestor || name.startsWith(`${ancestor}${DELIMITER}`);
}
