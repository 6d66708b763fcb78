// IMAP dates: `date` (SEARCH: 1-Feb-1994, a calendar day) and `date-time`
// (APPEND and INTERNALDATE: "01-Feb-1994 21:52:25 -0800").

import { ImapSyntaxError } from '../parser.ts';

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_INDEX = new Map<string, number>(MONTHS.map((m, i) => [m.toUpperCase(), i]));

function validDay(y: number, m: number, d: number): boolean {
  if (d < 1 || d > 31) return false;
  const t = new Date(Date.UTC(y, m, d));
  return t.getUTCMonth() === m && t.getUTCDate() === d;
}

/** A SEARCH date as the UTC midnight of that calendar day (ms); comparisons ignore time zones. */
export function parseDate(text: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m === null ? undefined : MONTH_INDEX.get(m[2]!.toUpperCase());
  if (m === null || month === undefined) throw new ImapSyntaxError('Invalid date');
  const y = Number(m[3]);
  const d = Number(m[1]);
  if (!validDay(y, month, d)) throw new ImapSyntaxError('Invalid date');
  return Date.UTC(y, month, d);
}

/** An APPEND date-time as ms since epoch. */
export function parseDateTime(text: string): number {
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  const month = m === null ? undefined : MONTH_INDEX.get(m[2]!.toUpperCase());
  if (m === null || month === undefined) throw new ImapSyntaxError('Invalid date-time');
  const [y, d, hh, mm, ss, zh, zm] = [m[3], m[1], m[4], m[5], m[6], m[8], m[9]].map((s) => Number(s!.trim()));
  if (!validDay(y!, month, d!) || hh! > 23 || mm! > 59 || ss! > 60 || zm! > 59) throw new ImapSyntaxError('Invalid date-time');
  const offset = (zh! * 60 + zm!) * 60_000 * (m[7] === '-' ? -1 : 1);
  return Date.UTC(y!, month, d!, hh!, mm!, ss!) - offset;
}

/** INTERNALDATE wire form, in UTC (`+0000`), e.g. `17-Jul-1996 02:44:25 +0000`. */
export function formatDateTime(ms: number): string {
  const t = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(t.getUTCDate())}-${MONTHS[t.getUTCMonth()]}-${t.getUTCFullYear()} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} +0000`;
}
