// LIST pattern matching (RFC 3501 6.3.8): `*` matches anything, `%` anything
// but the hierarchy delimiter; INBOX matches case-insensitively.

import { DELIMITER } from './syntax/mailbox-name.ts';

/** Reference and pattern joined into one canonical pattern. */
export function joinReference(reference: string, pattern: string): string {
  if (reference === '' || pattern.startsWith(DELIMITER)) return pattern;
  return reference.endsWith(DELIMITER) ? reference + pattern : `${reference}${DELIMITER}${pattern}`;
}

/** A matcher for one pattern. */
export function mailboxMatcher(pattern: string): (name: string) => boolean {
  const source = [...pattern]
    .map((ch) => {
      if (ch === '*') return '.*';
      if (ch === '%') return `[^${DELIMITER}]*`;
      return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    })
    .join('');
  const exact = new RegExp(`^${source}$`, 'su');
  const folded = new RegExp(`^${source}$`, 'siu');
  // INBOX is case-insensitive; matching its children loosely too keeps this simple.
  return (name) => exact.test(name) || ((name === 'INBOX' || name.startsWith(`INBOX${DELIMITER}`)) && folded.test(name));
}
