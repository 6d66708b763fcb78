// RFC 5322 dates, with the obsolete forms real mail still carries: two- and
// three-digit years, named and military zones, missing seconds or zone,
// comments, asctime order. Anything else goes to Date.parse as a last try.
import { stripComments } from './params.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Offsets in minutes (RFC 5322 4.3). Military letters are unreliable and mean -0000.
const ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Parse a Date header value to ms since epoch; undefined when it is not a date. */
export function parseRfc5322Date(value: string): number | undefined {
  const words = stripComments(value).replace(/,/g, ' ').trim().split(/\s+/).filter(Boolean);
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;
  let time: number[] | undefined;
  let zone: number | undefined;
  for (const word of words) {
    const lower = word.toLowerCase();
    const t = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(word);
    if (t && time === undefined) {
      time = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
      continue;
    }
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(word);
    if (z && time !== undefined && zone === undefined) {
      zone = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
      continue;
    }
    if (/^\d{1,4}$/.test(word)) {
      const n = Number(word);
      if (day === undefined && year === undefined && word.length <= 2) day = n;
      else if (year === undefined) year = word.length === 4 || n >= 1000 ? n : n < 50 ? 2000 + n : 1900 + n;
      else if (day === undefined && word.length <= 2) day = n;
      continue;
    }
    const m = MONTHS.indexOf(lower.slice(0, 3));
    if (m >= 0 && month === undefined && /^[a-z]+\.?$/.test(lower)) {
      month = m;
      continue;
    }
    if (time !== undefined && zone === undefined && /^[a-z]{1,5}$/.test(lower)) {
      zone = ZONES[lower] ?? 0;
    }
  }
  if (day !== undefined && month !== undefined && year !== undefined) {
    const [h = 0, mi = 0, s0 = 0] = time ?? [];
    const s = s0 === 60 ? 59 : s0;
    if (day < 1 || day > daysInMonth(year, month) || h > 23 || mi > 59 || s > 59) return undefined;
    return Date.UTC(year, month, day, h, mi, s) - (zone ?? 0) * 60_000;
  }
  const fallback = Date.parse(value);
  return Number.isFinite(fallback) ? fallback : undefined;
}
