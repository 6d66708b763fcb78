// Sequence sets of a command against the selected mailbox's view: which UIDs
// the client means, by sequence number or by UID, and the metadata of those
// messages loaded from the store in as few reads as the set allows.

import type { MailStore, MessageMeta } from '../store/types.ts';
import { lowerBound, type MailboxView } from './mailbox-view.ts';
import { ImapSyntaxError } from './parser.ts';
import { exceeds, normalizeRanges, resolveUidSet, type SequenceSet, STAR } from './syntax/sequence-set.ts';

/**
 * The UIDs (ascending) a set names in the view. By sequence number, a number
 * above the message count is a client error (BAD) unless the set uses `*`;
 * by UID, numbers that name no message are ignored (RFC 3501 6.4.8).
 */
export function resolveSet(view: MailboxView, set: SequenceSet, byUid: boolean): number[] {
  if (set.saved) throw new ImapSyntaxError('No saved search result');
  if (byUid) return resolveUidSet(set, view.uids);
  const count = view.uids.length;
  const usesStar = set.ranges.some((r) => r.from === STAR || r.to === STAR);
  if (!usesStar && exceeds(set, count)) throw new ImapSyntaxError('Invalid message sequence number');
  const out: number[] = [];
  for (const [a, b] of normalizeRanges(set, count)) for (let n = a; n <= b; n++) out.push(view.uids[n - 1]!);
  return out;
}

/**
 * UIDs within the set (`*` and the upper bound: maxUid, the highest UID ever
 * given, UIDNEXT - 1) that the mailbox does not have, as a
 * wire set, or '' when none: what QRESYNC reports as VANISHED (EARLIER). The
 * store keeps no record of expunged UIDs, so every absent UID is reported,
 * which RFC 7162 3.2.5.1 allows; ranges are never expanded.
 */
export function absentUids(set: SequenceSet, present: readonly number[], maxUid: number): string {
  if (maxUid < 1) return '';
  const ranges = normalizeRanges(
    { saved: false, ranges: set.ranges.map((r) => ({ from: r.from === STAR ? maxUid : r.from, to: r.to === STAR ? maxUid : r.to })) },
    maxUid,
  );
  const parts: string[] = [];
  const emit = (a: number, b: number) => {
    if (a <= b) parts.push(a === b ? String(a) : `${a}:${b}`);
  };
  for (const [a, b] of ranges) {
    let next = a;
    for (let i = lowerBound(present, a); i < present.length && present[i]! <= b; i++) {
      emit(next, present[i]! - 1);
      next = present[i]! + 1;
    }
    emit(next, b);
  }
  return parts.join(',');
}

/** Below this share of a UID range, messages are read one by one instead of scanning the range. */
const SPARSE = 0.25;

/**
 * Metadata of the given UIDs (ascending), in the same order; a message
 * expunged meanwhile by someone else is left out.
 */
export async function loadMessages(store: MailStore, mailboxId: string, uids: readonly number[]): Promise<MessageMeta[]> {
  if (uids.length === 0) return [];
  const first = uids[0]!;
  const last = uids[uids.length - 1]!;
  if (uids.length <= 64 && uids.length < (last - first + 1) * SPARSE) {
    const found = await Promise.all(uids.map((uid) => store.getMessage(mailboxId, uid)));
    return found.filter((m): m is MessageMeta => m !== undefined);
  }
  const all = await store.listMessages(mailboxId, { from: first, to: last });
  if (all.length === uids.length) return all;
  const wanted = new Set(uids);
  return all.filter((m) => wanted.has(m.uid));
}

/**
 * The messages of a listing (UID order) with the given UIDs (ascending), in
 * that order; UIDs the listing lacks (expunged meanwhile) are left out.
 */
export function pickMessages(listing: readonly MessageMeta[], uids: readonly number[]): MessageMeta[] {
  const out: MessageMeta[] = [];
  let j = 0;
  for (const uid of uids) {
    // a short set jumps, a long one walks
    if (uids.length < 64) j = lowerBoundUid(listing, uid, j);
    else while (j < listing.length && listing[j]!.uid < uid) j++;
    if (j < listing.length && listing[j]!.uid === uid) out.push(listing[j]!);
  }
  return out;
}

function lowerBoundUid(listing: readonly MessageMeta[], uid: number, from: number): number {
  let lo = from;
  let hi = listing.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (listing[mid]!.uid < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Run fn over items with at most `limit` at once; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
