// The header fields of a mailbox's first sync, kept in the store as a
// listener cache record (store/listener-cache.ts) so the first sync after a
// restart reads one record instead of every message's kept header: what
// Dovecot's dovecot.index.cache does for the fields clients ask for.
//
// One record per mailbox, for the field list of the last big FETCH. It is
// only ever a cache: entries are by body (bodies never change), an entry is
// used only for a body the mailbox still has, and a record that holds a body
// the mailbox no longer has (expunged meanwhile) is dropped on sight, so the
// fields of deleted mail do not linger; the listener also drops it when told
// of an expunge in a mailbox it knows has one.

import type { MailStore, MessageMeta } from '../store/types.ts';
import type { HeaderFieldsCache } from './header-cache.ts';
import type { MessageCache } from './message-cache.ts';

/** A FETCH that had to read at least this many bodies' fields from the store writes the record. */
export const RECORD_MIN = 1000;

interface FieldsRecord {
  readonly v: 1;
  /** HeaderFieldsCache.listKey of the field list. */
  readonly list: string;
  /** Blob ids joined by '\n'. */
  readonly ids: string;
  /** The selected fields of each body, latin1, one after the other. */
  readonly values: string;
  readonly lengths: readonly number[];
  /**
   * The whole responses the FETCH wrote (fetch-quick.ts), after `* n FETCH (`,
   * for the items `shape`, by UID and the modseq the message had: one is used
   * only for a message with that modseq still (its flags then are the same).
   */
  readonly responses?: {
    readonly shape: string;
    readonly uids: readonly number[];
    readonly modseqs: readonly number[];
    readonly texts: string;
    readonly lengths: readonly number[];
  };
}

function validResponses(value: unknown): value is NonNullable<FieldsRecord['responses']> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.shape === 'string' &&
    typeof r.texts === 'string' &&
    Array.isArray(r.uids) &&
    Array.isArray(r.modseqs) &&
    Array.isArray(r.lengths) &&
    r.uids.length === r.lengths.length &&
    r.modseqs.length === r.lengths.length
  );
}

function isRecord(value: unknown): value is FieldsRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return r.v === 1 && typeof r.list === 'string' && typeof r.ids === 'string' && typeof r.values === 'string' && Array.isArray(r.lengths);
}

export function recordName(mailboxId: string): string {
  return `imap-fields:${mailboxId}`;
}

/**
 * Fill `headers` with the record's fields for the bodies of `listing` (the
 * whole mailbox); returns how many were taken. A record with a body the
 * mailbox no longer has, or a broken one, is dropped.
 */
export async function restoreFields(
  store: MailStore,
  headers: HeaderFieldsCache,
  mailboxId: string,
  listKey: string,
  listing: readonly MessageMeta[],
  responses?: { readonly messages: MessageCache; readonly shape: string },
): Promise<number> {
  const record = await store.getListenerCache(recordName(mailboxId));
  if (record === undefined) return 0;
  return applyRecord(store, record, headers, mailboxId, listKey, listing, responses);
}

/**
 * Right after a listener starts (MessageCache.warm), before any client asks:
 * the record's fields and responses for the listing, for the field list and
 * items the record was written for, so the first sync after a restart reads
 * no record and parses nothing while the client waits. Returns how many were taken.
 */
export async function warmFields(
  store: MailStore,
  headers: HeaderFieldsCache,
  messages: MessageCache,
  mailboxId: string,
  listing: readonly MessageMeta[],
): Promise<number> {
  const record = await store.getListenerCache(recordName(mailboxId));
  if (record === undefined) return 0;
  const listKey = isRecord(record) ? record.list : '';
  const shape = isRecord(record) && validResponses(record.responses) ? record.responses.shape : undefined;
  const taken = await applyRecord(
    store,
    record,
    headers,
    mailboxId,
    listKey,
    listing,
    shape === undefined ? undefined : { messages, shape },
  );
  if (taken > 0) messages.noteFieldsRecord(mailboxId);
  return taken;
}

async function applyRecord(
  store: MailStore,
  record: unknown,
  headers: HeaderFieldsCache,
  mailboxId: string,
  listKey: string,
  listing: readonly MessageMeta[],
  responses: { readonly messages: MessageCache; readonly shape: string } | undefined,
): Promise<number> {
  const ids = isRecord(record) ? record.ids.split('\n') : [];
  if (!isRecord(record) || ids.length !== record.lengths.length) {
    await dropFields(store, mailboxId);
    return 0;
  }
  if (record.list !== listKey) return 0;
  let total = 0;
  for (const length of record.lengths) total += Number.isSafeInteger(length) && length >= 0 ? length : Number.NaN;
  if (total !== record.values.length) {
    await dropFields(store, mailboxId);
    return 0;
  }
  const present = new Set<string>();
  for (const m of listing) present.add(m.blobId);
  // a record that holds a body the mailbox no longer has is used for the others, then dropped
  const stale = ids.some((id) => !present.has(id));
  const covered =
    !stale && responses !== undefined && validResponses(record.responses) && record.responses.shape === responses.shape
      ? restoreResponses(record.responses, listing, responses.messages)
      : 0;
  let taken = 0;
  // the fields too, unless every listed message has its whole response back
  if (covered < listing.length) {
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const length = record.lengths[i]!;
      const id = ids[i]!;
      if (present.has(id)) {
        headers.set(listKey, id, record.values.slice(at, at + length));
        taken++;
      }
      at += length;
    }
  }
  if (stale) await dropFields(store, mailboxId);
  return taken + covered;
}

/** Keep the record's responses for the listed messages whose modseq is still the one they were written at. */
function restoreResponses(kept: NonNullable<FieldsRecord['responses']>, listing: readonly MessageMeta[], messages: MessageCache): number {
  let j = 0;
  let at = 0;
  let restored = 0;
  for (let i = 0; i < kept.uids.length; i++) {
    const length = kept.lengths[i]!;
    if (!Number.isSafeInteger(length) || length < 0 || at + length > kept.texts.length) return restored;
    const uid = kept.uids[i]!;
    while (j < listing.length && listing[j]!.uid < uid) j++;
    const meta = listing[j];
    if (meta !== undefined && meta.uid === uid && meta.modseq === kept.modseqs[i]) {
      if (messages.keepResponseTail(meta, kept.shape, kept.texts.slice(at, at + length))) restored++;
    }
    at += length;
  }
  return restored;
}

/** Write the record from what `headers` holds for the bodies of `listing`, when that is worth it. */
export async function saveFields(
  store: MailStore,
  headers: HeaderFieldsCache,
  mailboxId: string,
  listKey: string,
  listing: readonly MessageMeta[],
  responses?: { readonly messages: MessageCache; readonly shape: string },
): Promise<void> {
  const known = headers.entries(listKey);
  if (known === undefined) return;
  const ids: string[] = [];
  const values: string[] = [];
  const lengths: number[] = [];
  const seen = new Set<string>();
  for (const m of listing) {
    if (seen.has(m.blobId)) continue;
    const value = known.get(m.blobId);
    if (value === undefined) continue;
    seen.add(m.blobId);
    ids.push(m.blobId);
    values.push(value);
    lengths.push(value.length);
  }
  if (ids.length < RECORD_MIN) return;
  const record: FieldsRecord = { v: 1, list: listKey, ids: ids.join('\n'), values: values.join(''), lengths };
  if (responses !== undefined) {
    const uids: number[] = [];
    const modseqs: number[] = [];
    const texts: string[] = [];
    const textLengths: number[] = [];
    for (const m of listing) {
      const text = responses.messages.responseTail(m, responses.shape);
      if (text === undefined) continue;
      uids.push(m.uid);
      modseqs.push(m.modseq);
      texts.push(text);
      textLengths.push(text.length);
    }
    if (uids.length >= RECORD_MIN) {
      (record as { responses?: FieldsRecord['responses'] }).responses = {
        shape: responses.shape,
        uids,
        modseqs,
        texts: texts.join(''),
        lengths: textLengths,
      };
    }
  }
  await store.setListenerCache(recordName(mailboxId), record);
}

/** Drop the mailbox's record (after an expunge, or when it is stale). */
export async function dropFields(store: MailStore, mailboxId: string): Promise<void> {
  await store.setListenerCache(recordName(mailboxId), undefined);
}
