// tag FETCH sequence-set (att ...) [(CHANGEDSINCE modseq)]
// tag UID FETCH sequence-set (att ...) [(CHANGEDSINCE modseq [VANISHED])]

import type { MessageMeta } from '../../store/types.ts';
import { atom, compileResponse, type ImapValue } from '../compiler.ts';
import { quickFetch, quickItems } from '../fetch-quick.ts';
import { fetchKeys, fetchValues, isTopHeader, needsStructure, setsSeen, UnknownTransferEncoding } from '../fetch-response.ts';
import { MessageContent } from '../message-content.ts';
import { absentUids, loadMessages, mapLimit, pickMessages, resolveSet } from '../message-set.ts';
import { bad, type CommandResult, code, no, ok } from '../responses.ts';
import { type FetchArgs, type FetchItem, parseFetchArgs } from '../syntax/fetch.ts';
import { enableCondstore } from './condstore.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

/** Messages whose responses are built at once (bodies read in parallel), then sent in order. */
const BATCH = 128;
/** A batch stops growing at this many message bytes, so bodies held before sending stay bounded. */
const BATCH_BYTES = 8 * 1024 * 1024;
/**
 * Batches of a FETCH that reads no body (metadata, structures, kept headers):
 * the first small so output starts at once, the others large, for few store
 * round trips. A body's bytes count nothing here, as none are held.
 */
const LIGHT_FIRST_BATCH = 128;
const LIGHT_BATCH = 512;
/** Bodies read at the same time within a batch. */
const PARALLEL = 32;

const FLAGS_ITEM: FetchItem = { kind: 'simple', name: 'FLAGS' };
const UID_ITEM: FetchItem = { kind: 'simple', name: 'UID' };
const MODSEQ_ITEM: FetchItem = { kind: 'simple', name: 'MODSEQ' };

/** Items answered without reading the body file (when the header was kept at delivery). */
function readsNoBody(item: FetchItem): boolean {
  if (isTopHeader(item)) return true;
  return item.kind === 'simple' && item.name !== 'RFC822' && item.name !== 'RFC822.TEXT';
}

function has(items: readonly FetchItem[], name: string): boolean {
  return items.some((i) => i.kind === 'simple' && i.name === name);
}

async function runFetch(ctx: CommandContext, args: FetchArgs, byUid: boolean): Promise<CommandResult> {
  const view = ctx.session.selected!;
  const { store } = ctx.deps;
  const uids = resolveSet(view, args.set, byUid);
  if (args.vanished === true && (!byUid || !view.qresync)) return bad('VANISHED needs UID FETCH and ENABLE QRESYNC');
  if (args.changedSince !== undefined || has(args.items, 'MODSEQ')) await enableCondstore(ctx);
  if (args.vanished === true) {
    // UIDs of the set the mailbox no longer has (RFC 7162 3.2.6), before the changes.
    const box = await store.getMailboxById(view.mailboxId);
    const vanished = absentUids(args.set, view.uids, (box?.uidNext ?? 1) - 1);
    if (vanished !== '') await ctx.send({ type: 'data', values: [atom('VANISHED'), [atom('EARLIER')], atom(vanished)] });
  }
  // the listener's copy of the listing when it has one (SELECT made it): one mailbox read, no listing
  const cache = ctx.deps.messageCache;
  const listing = cache?.has(view.mailboxId) === true ? await cache.listingById(view.mailboxId) : undefined;
  let metas = listing === undefined ? await loadMessages(store, view.mailboxId, uids) : pickMessages(listing.messages, uids);
  if (args.changedSince !== undefined) {
    const since = args.changedSince;
    metas = metas.filter((m) => m.modseq > since);
  }
  // UID FETCH always answers with the UID (RFC 3501 6.4.8); put first, as clients expect.
  const items = byUid && !has(args.items, 'UID') ? [UID_ITEM, ...args.items] : [...args.items];
  // Reading a body marks the message \Seen; the response then carries the new flags (RFC 3501 6.4.5).
  const seenUids = new Set<number>();
  if (!view.readOnly && args.items.some(setsSeen)) {
    const unseen = metas.filter((m) => !m.flags.includes('\\Seen')).map((m) => m.uid);
    if (unseen.length > 0) {
      const result = await store.setFlags(view.mailboxId, unseen, 'add', ['\\Seen']);
      const changed = new Map(result.changed.map((c) => [c.uid, c]));
      metas = metas.map((m) => {
        const c = changed.get(m.uid);
        if (c === undefined) return m;
        seenUids.add(m.uid);
        return { ...m, flags: c.flags, modseq: c.modseq };
      });
    }
  }
  const reportsFlags = has(items, 'FLAGS');
  const quick = cache !== undefined && ctx.deps.headerCache !== undefined && seenUids.size === 0 ? quickItems(items) : undefined;
  if (cache !== undefined && ctx.deps.headerCache !== undefined && quick !== undefined) {
    // metadata and kept header fields only: written straight to bytes
    const content = new MessageContent(store);
    const keys = fetchKeys(items);
    const deps = {
      store,
      messages: cache,
      headers: ctx.deps.headerCache,
      write: (chunks: Parameters<typeof ctx.write>[0]) => ctx.write(chunks),
      fallback: async (m: MessageMeta, seq: number) =>
        compileResponse({ type: 'data', values: [seq, atom('FETCH'), await fetchValues(m, items, content, keys)] }),
      ...(listing === undefined ? {} : { listing: listing.messages }),
    };
    await quickFetch(deps, view, metas, quick, reportsFlags);
    return ok(byUid ? 'UID FETCH completed' : 'FETCH completed');
  }
  const withFlags = reportsFlags ? items : [...items, FLAGS_ITEM];
  const withSeen = view.condstore
    ? [...(has(withFlags, 'UID') ? withFlags : [UID_ITEM, ...withFlags]), ...(has(withFlags, 'MODSEQ') ? [] : [MODSEQ_ITEM])]
    : withFlags;
  const content = new MessageContent(store);
  const itemKeys = fetchKeys(items);
  const seenKeys = fetchKeys(withSeen);
  const heavy = items.some(needsStructure) || items.some((i) => i.kind === 'body');
  const batches: MessageMeta[][] = [];
  const light = items.every(readsNoBody);
  for (let start = 0; start < metas.length; ) {
    let end = start;
    let bytes = 0;
    const limit = light ? (start === 0 ? LIGHT_FIRST_BATCH : LIGHT_BATCH) : BATCH;
    while (end < metas.length && end - start < limit && (light || end === start || bytes < BATCH_BYTES)) bytes += metas[end++]!.size;
    batches.push(metas.slice(start, end));
    start = end;
  }
  // Structures and header bytes of a batch come in one store call, and the
  // next batch's are read while this one is answered.
  const what = { structures: items.some((i) => needsStructure(i) && !isTopHeader(i)), heads: items.some(isTopHeader) };
  const wantsInfo = what.structures || what.heads;
  let next = wantsInfo && batches.length > 0 ? content.load(batches[0]!, what) : undefined;
  for (const [b, batch] of batches.entries()) {
    if (next !== undefined) {
      const infos = await next;
      next = b + 1 < batches.length ? content.load(batches[b + 1]!, what) : undefined;
      // a failed read of the following batch surfaces when it is awaited
      next?.catch(() => undefined);
      content.install(infos);
    }
    let values: ImapValue[][];
    try {
      values = await mapLimit(batch, heavy ? PARALLEL : batch.length, (m) =>
        seenUids.has(m.uid) ? fetchValues(m, withSeen, content, seenKeys) : fetchValues(m, items, content, itemKeys),
      );
    } catch (err) {
      if (err instanceof UnknownTransferEncoding) return no('Unknown Content-Transfer-Encoding', code('UNKNOWN-CTE'));
      throw err;
    }
    // Writes are queued in order; waiting for the last of a batch bounds what is held.
    let sent: Promise<void> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      const seq = view.seqOf(m.uid);
      if (seq === 0) continue;
      if (reportsFlags || seenUids.has(m.uid)) view.reported(m.uid, m.modseq);
      sent = ctx.send({ type: 'data', values: [seq, atom('FETCH'), values[i]!] });
    }
    await sent;
  }
  return ok(byUid ? 'UID FETCH completed' : 'FETCH completed');
}

export const fetch: Command = defineCommand({
  name: 'FETCH',
  states: SELECTED,
  flags: { usesSequenceNumbers: true },
  args: parseFetchArgs,
  run: (ctx, args) => runFetch(ctx, args, false),
});

export const uidFetch: Command = defineCommand({
  name: 'UID FETCH',
  states: SELECTED,
  args: parseFetchArgs,
  run: (ctx, args) => runFetch(ctx, args, true),
});
