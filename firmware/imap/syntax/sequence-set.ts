// Sequence sets (`1:*`, `2,4:7,*`, `$`): parsed once into ranges, then resolved
// against a mailbox without ever expanding a range such as `1:4294967295`.

import { ImapSyntaxError } from '../parser.ts';

/** `*` inside a range: the highest sequence number or UID in the mailbox. */
export const STAR = 0;

export interface SeqRange {
  /** A number, or STAR. */
  readonly from: number;
  readonly to: number;
}

export interface SequenceSet {
  readonly ranges: readonly SeqRange[];
  /** `$`: the result saved by the last SEARCH RETURN (SAVE) (RFC 5182). */
  readonly saved: boolean;
}

const MAX_NZ = 4294967295;

function parseNumber(text: string): number {
  if (text === '*') return STAR;
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new ImapSyntaxError('Invalid sequence set');
  const n = Number(text);
  if (n > MAX_NZ) throw new ImapSyntaxError('Invalid sequence set');
  return n;
}

/** Parse the wire form. Throws ImapSyntaxError. */
export function parseSequenceSet(text: string): SequenceSet {
  if (text === '$') return { ranges: [], saved: true };
  if (text.length === 0) throw new ImapSyntaxError('Invalid sequence set');
  const ranges: SeqRange[] = [];
  for (const part of text.split(',')) {
    const colon = part.indexOf(':');
    if (colon === -1) {
      const n = parseNumber(part);
      ranges.push({ from: n, to: n });
    } else {
      ranges.push({ from: parseNumber(part.slice(0, colon)), to: parseNumber(part.slice(colon + 1)) });
    }
  }
  return { ranges, saved: false };
}

/** True when the text looks like a sequence set (for SEARCH keys). */
export function isSequenceSetText(text: string): boolean {
  return text === '$' || /^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(text);
}

/**
 * Ranges with `*` replaced by `max`, ordered low-high, sorted and merged.
 * A range entirely above `max` collapses onto `max` only if it used `*`.
 */
export function normalizeRanges(set: SequenceSet, max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of set.ranges) {
    let a = r.from === STAR ? max : r.from;
    let b = r.to === STAR ? max : r.to;
    if (a > b) [a, b] = [b, a];
    if (a < 1) a = 1;
    if (b > max) b = max;
    if (a <= b) out.push([a, b]);
  }
  out.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Message sequence numbers in the set for a mailbox of `count` messages (ranges, not expanded). */
export function resolveSequenceRanges(set: SequenceSet, count: number): Array<[number, number]> {
  return normalizeRanges(set, count);
}

/** True when some number in the set exceeds `max` (RFC 3501: such sequence numbers are invalid). */
export function exceeds(set: SequenceSet, max: number): boolean {
  return set.ranges.some((r) => r.from > max || r.to > max);
}

/** Does the set contain n, with `*` meaning max? */
export function containsNumber(set: SequenceSet, n: number, max: number): boolean {
  for (const r of set.ranges) {
    let a = r.from === STAR ? max : r.from;
    let b = r.to === STAR ? max : r.to;
    if (a > b) [a, b] = [b, a];
    if (n >= a && n <= b) return true;
  }
  return false;
}

/** Lowest index i with sorted[i] >= value. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The UIDs of a mailbox (ascending) that the set names; `*` is the highest UID
 * (so `n:*` always includes it, even when n is above it — RFC 3501 6.4.8).
 */
export function resolveUidSet(set: SequenceSet, uids: readonly number[]): number[] {
  const max = uids.length === 0 ? 0 : uids[uids.length - 1]!;
  if (max === 0) return [];
  const out: number[] = [];
  const ranges: SequenceSet = {
    saved: false,
    ranges: set.ranges.map((r) => ({ from: r.from === STAR ? max : r.from, to: r.to === STAR ? max : r.to })),
  };
  for (const [a, b] of normalizeRanges(ranges, Number.MAX_SAFE_INTEGER)) {
    const start = lowerBound(uids, a);
    const end = lowerBound(uids, b + 1);
    for (let i = start; i < end; i++) out.push(uids[i]!);
  }
  return out;
}

/** Iterate the (normalized) ranges as [from, to] pairs; callers walk them without expansion. */
export function* iterateRanges(set: SequenceSet, max: number): Generator<[number, number]> {
  yield* normalizeRanges(set, max);
}

/** Compact wire form of a list of numbers: `1:3,7,9:10` (order kept, runs merged). */
export function formatSequenceSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) {
      end++;
      i++;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
