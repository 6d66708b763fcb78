// What SORT compares (RFC 5256 2.1-2.2, RFC 5957): the base subject with
// reply/forward markers stripped, the first address's mailbox or display
// name, the sent date. Strings compare case-insensitively by code point after
// the MIME room's search normalisation (a close stand-in for i;unicode-casemap).

import { decodeEncodedWords, type EnvelopeAddress, type MessageStructure, normalizeSearchText } from '../../mime/index.ts';
import type { MessageMeta } from '../../store/types.ts';
import type { SortKey } from '../syntax/sort.ts';

const TRAILER = /(?:\(fwd\)|\s)+$/i;
const BLOB = String.raw`\[[^[\]]*\]\s*`;
const LEADER = new RegExp(String.raw`^(?:(?:${BLOB})*(?:re|fwd?)\s*(?:${BLOB})?:|\s+)`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);

/** RFC 5256 2.1: the base subject, for SORT SUBJECT (and THREAD, if it ever comes). */
export function baseSubject(raw: string): string {
  let s = decodeEncodedWords(raw.replace(/\r?\n/g, '')).replace(/\s+/g, ' ');
  for (;;) {
    s = s.replace(TRAILER, '');
    for (;;) {
      const before = s;
      s = s.replace(LEADER, '');
      const blob = LEADING_BLOB.exec(s);
      if (blob !== null && blob[0].length < s.length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    const fwd = /^\[fwd:(.*)\]$/i.exec(s);
    if (fwd === null) break;
    s = fwd[1]!;
  }
  return normalizeSearchText(s.trim());
}

function firstAddress(list: readonly EnvelopeAddress[] | null): EnvelopeAddress | undefined {
  return list?.find((a) => a.mailbox !== null && a.host !== null);
}

/** RFC 5256: the addr-mailbox (local part) of the first address. */
function mailboxOf(list: readonly EnvelopeAddress[] | null): string {
  return normalizeSearchText(firstAddress(list)?.mailbox ?? '');
}

/** RFC 5957: the display name of the first address, or its addr-spec when it has none. */
function displayOf(list: readonly EnvelopeAddress[] | null): string {
  const a = firstAddress(list);
  if (a === undefined) return '';
  const name = a.name === null ? '' : decodeEncodedWords(a.name).trim();
  return normalizeSearchText(name !== '' ? name : `${a.mailbox}@${a.host}`);
}

/** The value a message sorts by under one key; structure only where the key needs it. */
export function sortValue(key: SortKey, meta: MessageMeta, s: MessageStructure | undefined): string | number {
  switch (key) {
    case 'ARRIVAL':
      return meta.internalDate;
    case 'SIZE':
      return meta.size;
    // The sent date, or the internal date when the Date header is missing or unreadable.
    case 'DATE':
      return s?.sentAt ?? meta.internalDate;
    case 'SUBJECT':
      return baseSubject(s?.envelope.subject ?? '');
    case 'FROM':
      return mailboxOf(s?.envelope.from ?? null);
    case 'TO':
      return mailboxOf(s?.envelope.to ?? null);
    case 'CC':
      return mailboxOf(s?.envelope.cc ?? null);
    case 'DISPLAYFROM':
      return displayOf(s?.envelope.from ?? null);
    case 'DISPLAYTO':
      return displayOf(s?.envelope.to ?? null);
  }
}

/** Does sorting by this key read the message's structure? */
export function needsEnvelope(key: SortKey): boolean {
  return key !== 'ARRIVAL' && key !== 'SIZE';
}
