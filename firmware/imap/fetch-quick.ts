// The FETCH of a client's first sync, `1:* (UID FLAGS INTERNALDATE
// RFC822.SIZE BODY.PEEK[HEADER.FIELDS (...)])` and its kin, written straight
// to response bytes: the metadata comes from the listener's message cache,
// the header fields from its header cache or, for bodies not seen yet, from
// one getHeaderFields call per batch (selected in the store, the next
// batches read while this one is written). No response values, no compiler, one
// buffer per batch. Anything else (a body without a kept header) goes through
// the general path, message by message, in order.

import type { MailStore, MessageMeta } from '../store/types.ts';
import type { OutputChunk } from './compiler.ts';
import { RECORD_MIN, restoreFields, saveFields } from './fields-record.ts';
import { HeaderFieldsCache } from './header-cache.ts';
import { isWireFlag, type MailboxView } from './mailbox-view.ts';
import type { MessageCache } from './message-cache.ts';
import { type FetchItem, fetchItemKey } from './syntax/fetch.ts';

type QuickItem =
  | { readonly kind: 'uid' | 'flags' | 'date' | 'size' | 'modseq'; readonly key: string }
  | {
      readonly kind: 'fields';
      readonly key: string;
      readonly names: readonly string[];
      readonly not: boolean;
      readonly listKey: string;
    };

const SIMPLE_KINDS: Readonly<Record<string, 'uid' | 'flags' | 'date' | 'size' | 'modseq'>> = {
  UID: 'uid',
  FLAGS: 'flags',
  INTERNALDATE: 'date',
  'RFC822.SIZE': 'size',
  MODSEQ: 'modseq',
};

/** The first batch is small so output starts at once; the others large, for few store calls. */
const FIRST_BATCH = 256;
const BATCH = 1024;
/** Batches whose fields are being read at once. */
const AHEAD = 2;

/**
 * The items as a quick FETCH does them, or undefined when one needs more
 * than metadata and the kept header's fields, or would set \Seen.
 */
export function quickItems(items: readonly FetchItem[]): QuickItem[] | undefined {
  const out: QuickItem[] = [];
  for (const item of items) {
    if (item.kind === 'simple') {
      const kind = SIMPLE_KINDS[item.name];
      if (kind === undefined) return undefined;
      out.push({ kind, key: item.name });
    } else if (
      item.kind === 'body' &&
      item.peek &&
      item.partial === undefined &&
      item.section.part.length === 0 &&
      (item.section.text === 'HEADER.FIELDS' || item.section.text === 'HEADER.FIELDS.NOT')
    ) {
      const names = item.section.fields ?? [];
      const not = item.section.text === 'HEADER.FIELDS.NOT';
      out.push({ kind: 'fields', key: fetchItemKey(item), names, not, listKey: HeaderFieldsCache.listKey(names, not) });
    } else {
      return undefined;
    }
  }
  return out;
}

export interface QuickFetchDeps {
  readonly store: MailStore;
  readonly messages: MessageCache;
  readonly headers: HeaderFieldsCache;
  /** Queue response bytes on the connection. */
  write(chunks: OutputChunk[]): Promise<void>;
  /** The general path for one message (a body without a kept header): its compiled response. */
  fallback(meta: MessageMeta, seq: number): Promise<OutputChunk[]>;
  /**
   * The whole mailbox's listing, when the message cache gave it: a FETCH that
   * misses many bodies' fields first restores them from the mailbox's fields
   * record, and one that read many from the store writes that record.
   */
  readonly listing?: readonly MessageMeta[];
}

/**
 * Answer `metas` (in order) with `items`. `reportsFlags`: the client is told
 * each message's flags (the view records the modseq it saw).
 */
export async function quickFetch(
  deps: QuickFetchDeps,
  view: MailboxView,
  metas: readonly MessageMeta[],
  items: readonly QuickItem[],
  reportsFlags: boolean,
): Promise<void> {
  const fieldItems = items.filter((i) => i.kind === 'fields');
  const flagTexts = new Map<readonly string[], string>();
  const batches: Array<readonly MessageMeta[]> = [];
  for (let start = 0; start < metas.length; ) {
    const end = Math.min(metas.length, start + (start === 0 ? FIRST_BATCH : BATCH));
    batches.push(metas.slice(start, end));
    start = end;
  }
  // A message's response after its number depends only on the message
  // record (replaced when its flags change) and the items asked: kept with
  // the listing's records, a repeated first sync writes two strings a message.
  const shape = items.map((i) => i.key).join(' ');
  const keepTails = deps.listing !== undefined;
  // messages whose response is kept need no fields
  const kept = (meta: MessageMeta) => keepTails && deps.messages.responseTail(meta, shape) !== undefined;
  const load = (batch: readonly MessageMeta[]) => Promise.all(fieldItems.map((item) => loadFields(deps, item, batch, kept)));
  // Loads run AHEAD batches in front: the store reads one while it selects
  // the fields of another and this thread writes a third.
  const loads: Array<Promise<LoadedFields[]> | undefined> = [];
  const startLoad = (b: number) => {
    if (b >= batches.length || fieldItems.length === 0 || loads[b] !== undefined) return;
    const p = load(batches[b]!);
    // a failed read surfaces when its batch is awaited
    p.catch(() => undefined);
    loads[b] = p;
  };
  // A first sync after a restart: the fields kept in the store by the last one.
  const single = fieldItems.length === 1 ? fieldItems[0] : undefined;
  if (single?.kind === 'fields' && deps.listing !== undefined) {
    const known = deps.headers.entries(single.listKey);
    let missing = 0;
    for (const meta of metas) if (!kept(meta) && known?.get(meta.blobId) === undefined) missing++;
    if (missing >= RECORD_MIN) {
      const taken = await restoreFields(deps.store, deps.headers, view.mailboxId, single.listKey, deps.listing, {
        messages: deps.messages,
        shape,
      }).catch(() => 0);
      if (taken > 0) deps.messages.noteFieldsRecord(view.mailboxId);
    }
  }
  let readFromStore = 0;
  for (let b = 0; b < AHEAD; b++) startLoad(b);
  let written: Promise<void> | undefined;
  // the view's index of the message being answered: both lists ascend, so it only moves forward
  const viewUids = view.uids;
  let k = 0;
  for (const [b, batch] of batches.entries()) {
    const fields = (await loads[b]) ?? [];
    for (const loaded of fields) readFromStore += loaded.fresh.size;
    loads[b] = undefined;
    startLoad(b + AHEAD);
    const out = new BatchBytes();
    for (const meta of batch) {
      while (k < viewUids.length && viewUids[k]! < meta.uid) k++;
      if (viewUids[k] !== meta.uid) continue;
      const seq = k + 1;
      if (reportsFlags) view.reportedAt(k, meta.uid, meta.modseq);
      let tail = keepTails ? deps.messages.responseTail(meta, shape) : undefined;
      if (tail === undefined) {
        tail = responseTail(meta, items, fields, flagTexts, deps.messages);
        if (tail === undefined) {
          // no kept header: this one message the general way, in its place
          out.push(...(await deps.fallback(meta, seq)));
          continue;
        }
        if (keepTails) deps.messages.keepResponseTail(meta, shape, tail);
      }
      out.add(seq, tail);
    }
    // Writes are queued in order. Waiting for the previous batch's, not this
    // one's, bounds what is held to two batches while the next one is built
    // as the client reads.
    const chunks = out.take();
    await written;
    written = chunks.length > 0 ? deps.write(chunks) : undefined;
  }
  await written;
  if (single?.kind === 'fields' && deps.listing !== undefined && readFromStore >= RECORD_MIN) {
    // a first sync: keep its fields for the one after the next restart (not waited for)
    const { store, headers, messages, listing } = deps;
    const mailboxId = view.mailboxId;
    void saveFields(store, headers, mailboxId, single.listKey, listing, { messages, shape })
      .then(() => messages.noteFieldsRecord(mailboxId))
      .catch(() => undefined);
  }
}

/** A message's response after `* n FETCH (`, or undefined when a header-fields item has no kept header. */
function responseTail(
  meta: MessageMeta,
  items: readonly QuickItem[],
  fields: readonly LoadedFields[],
  flagTexts: Map<readonly string[], string>,
  messages: MessageCache,
): string | undefined {
  let text = '';
  let f = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i > 0) text += ' ';
    switch (item.kind) {
      case 'uid':
        text += `UID ${meta.uid}`;
        break;
      case 'flags': {
        let flags = flagTexts.get(meta.flags);
        if (flags === undefined) {
          flags = `FLAGS (${meta.flags.filter(isWireFlag).join(' ')})`;
          flagTexts.set(meta.flags, flags);
        }
        text += flags;
        break;
      }
      case 'date':
        text += `INTERNALDATE "${messages.dateText(meta)}"`;
        break;
      case 'size':
        text += `RFC822.SIZE ${meta.size}`;
        break;
      case 'modseq':
        text += `MODSEQ (${meta.modseq})`;
        break;
      case 'fields': {
        const loaded = fields[f++]!;
        const value = loaded.fresh.get(meta.blobId) ?? loaded.known?.get(meta.blobId);
        if (value === undefined || value === '') return undefined;
        text += `${item.key} {${value.length}}\r\n${value}`;
        break;
      }
    }
  }
  return `${text})\r\n`;
}

/** ` FETCH (` after the number, as bytes. */
const FETCH_OPEN = [0x20, 0x46, 0x45, 0x54, 0x43, 0x48, 0x20, 0x28];

/**
 * A batch's responses, `* n FETCH (` and each message's tail, written into
 * one buffer at the end (far cheaper than joining them into one string
 * first); the number and the words around it are written as bytes, so a
 * batch makes no string per message (less garbage: the first sync after a
 * start was paying for scavenges). Compiled chunks of the general path go between.
 */
class BatchBytes {
  private seqs: number[] = [];
  private tails: string[] = [];
  private length = 0;
  private readonly chunks: OutputChunk[] = [];

  add(seq: number, tail: string): void {
    this.seqs.push(seq);
    this.tails.push(tail);
    // `* `, the digits, ` FETCH (`
    this.length += 2 + digits(seq) + FETCH_OPEN.length + tail.length;
  }

  push(...chunks: OutputChunk[]): void {
    this.flush();
    this.chunks.push(...chunks);
  }

  take(): OutputChunk[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.length > 0) {
      const buf = Buffer.allocUnsafe(this.length);
      let at = 0;
      const { seqs, tails } = this;
      for (let i = 0; i < seqs.length; i++) {
        buf[at++] = 0x2a;
        buf[at++] = 0x20;
        const seq = seqs[i]!;
        const n = digits(seq);
        for (let d = n - 1, v = seq; d >= 0; d--, v = Math.floor(v / 10)) buf[at + d] = 0x30 + (v % 10);
        at += n;
        for (const byte of FETCH_OPEN) buf[at++] = byte;
        at += buf.write(tails[i]!, at, 'latin1');
      }
      this.chunks.push(buf);
    }
    this.seqs = [];
    this.tails = [];
    this.length = 0;
  }
}

/** Decimal digits of a positive integer. */
function digits(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/** A batch's selected fields: those read now, and the cache's list for the rest. */
interface LoadedFields {
  readonly fresh: ReadonlyMap<string, string>;
  readonly known: ReadonlyMap<string, string> | undefined;
}

/** The selected fields of a batch's bodies: from the cache, the rest in one store call. */
async function loadFields(
  deps: QuickFetchDeps,
  item: Extract<QuickItem, { kind: 'fields' }>,
  batch: readonly MessageMeta[],
  kept: (meta: MessageMeta) => boolean,
): Promise<LoadedFields> {
  const fresh = new Map<string, string>();
  const known = deps.headers.entries(item.listKey);
  const missing = new Set<string>();
  for (const meta of batch) if (!kept(meta) && known?.get(meta.blobId) === undefined) missing.add(meta.blobId);
  if (missing.size === 0) return { fresh, known };
  const unique = [...missing];
  const packed = await deps.store.getHeaderFields(unique, item.names, item.not);
  const bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  for (let i = 0; i < unique.length; i++) {
    const value = bytes.toString('latin1', packed.offsets[i]!, packed.offsets[i + 1]!);
    fresh.set(unique[i]!, value);
    deps.headers.set(item.listKey, unique[i]!, value);
  }
  // an entry evicted before the batch is written is answered the general way
  return { fresh, known: deps.headers.entries(item.listKey) };
}
