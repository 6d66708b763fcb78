// Plain admin actions on the outbound queue, for `pochta queue list|show|
// retry|delete|bounce` and the web UI (the admin room registers them). They
// only change the store; the running queue service sees the change through the
// store's change feed and acts on it (delivers a retried item, bounces a
// cancelled one).

import { PochtaError } from '../../errors.ts';
import type { MailStore, QueueItem, QueueRecipient } from '../../store/types.ts';
import { headerBlock } from './dsn.ts';

type QueueStore = Pick<MailStore, 'listQueue' | 'getQueueItem' | 'updateQueueItem' | 'removeQueueItem' | 'readBody'>;

/** One line of `pochta queue list`. */
export interface QueueSummary {
  readonly id: string;
  readonly from: string;
  readonly recipients: number;
  readonly pending: number;
  readonly size: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly attempts: number;
  /** Last error of the first pending recipient, for a quick look. */
  readonly lastError?: string;
}

/** `pochta queue show ID`: the item and the headers people recognise a message by. */
export interface QueueDetail {
  readonly item: QueueItem;
  readonly subject?: string;
  readonly headerFrom?: string;
  readonly messageId?: string;
}

function summarize(item: QueueItem): QueueSummary {
  const pending = item.recipients.filter((r) => r.status === 'pending');
  const base = {
    id: item.id,
    from: item.from,
    recipients: item.recipients.length,
    pending: pending.length,
    size: item.size,
    createdAt: item.createdAt,
    nextAttemptAt: item.nextAttemptAt,
    attempts: item.attempts,
  };
  const lastError = pending.find((r) => r.lastError !== undefined)?.lastError;
  return lastError === undefined ? base : { ...base, lastError };
}

async function mustGet(store: QueueStore, id: string): Promise<QueueItem> {
  const item = await store.getQueueItem(id);
  if (item === undefined) throw new PochtaError('NOT_FOUND', `no queue item ${id}`);
  return item;
}

/** Every queued message, oldest first. */
export async function queueList(store: QueueStore): Promise<QueueSummary[]> {
  const items = await store.listQueue();
  return items.map(summarize).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

function headerValue(block: string, name: string): string | undefined {
  const unfolded = block.replace(/\r\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im');
  return re.exec(unfolded)?.[1]?.trim();
}

/** One item with its Subject, From and Message-ID. NOT_FOUND. */
export async function queueShow(store: QueueStore, id: string): Promise<QueueDetail> {
  const item = await mustGet(store, id);
  // Only the head is needed; 64 KiB holds any sane header block.
  const head = await store.readBody(item.blobId, 0, 65_536);
  if (head === undefined) return { item };
  const block = headerBlock(head);
  const out: { item: QueueItem; subject?: string; headerFrom?: string; messageId?: string } = { item };
  const subject = headerValue(block, 'subject');
  const from = headerValue(block, 'from');
  const messageId = headerValue(block, 'message-id');
  if (subject !== undefined) out.subject = subject;
  if (from !== undefined) out.headerFrom = from;
  if (messageId !== undefined) out.messageId = messageId;
  return out;
}

/** Try again now: the queue service picks it up at once. NOT_FOUND. */
export async function queueRetry(store: QueueStore, id: string, now: () => number): Promise<QueueSummary> {
  await mustGet(store, id);
  const updated = await store.updateQueueItem(id, { nextAttemptAt: now() });
  if (updated === undefined) throw new PochtaError('NOT_FOUND', `no queue item ${id}`);
  return summarize(updated);
}

/** Drop an item without telling the sender. NOT_FOUND. */
export async function queueDelete(store: QueueStore, id: string): Promise<void> {
  await mustGet(store, id);
  await store.removeQueueItem(id);
}

/**
 * Give up on the pending recipients: they are marked failed ("cancelled by the
 * administrator", 5.0.0) and the queue service sends the sender a bounce, then
 * removes the item. NOT_FOUND.
 */
export async function queueBounce(store: QueueStore, id: string, now: () => number): Promise<QueueSummary> {
  const item = await mustGet(store, id);
  const at = now();
  const reply = '550 5.0.0 Delivery cancelled by the mail administrator';
  const notes: Record<string, unknown> = { ...((item.meta?.['dsn'] as Record<string, unknown> | undefined) ?? {}) };
  const recipients: QueueRecipient[] = item.recipients.map((r) => {
    if (r.status !== 'pending') return r;
    const prev = notes[r.address] as { remoteMta?: string } | undefined;
    notes[r.address] =
      prev?.remoteMta === undefined ? { status: '5.0.0', reply, at } : { status: '5.0.0', reply, remoteMta: prev.remoteMta, at };
    return { ...r, status: 'failed', lastError: reply };
  });
  const updated = await store.updateQueueItem(id, { recipients, nextAttemptAt: at, meta: { ...(item.meta ?? {}), dsn: notes } });
  if (updated === undefined) throw new PochtaError('NOT_FOUND', `no queue item ${id}`);
  return summarize(updated);
}

/** What the queue actions need from the admin room's deps (AdminDeps has both). */
export interface QueueActionDeps {
  readonly store: QueueStore;
  readonly now: () => number;
}

function idParam(params: Readonly<Record<string, unknown>>): string {
  const id = params['id'];
  if (typeof id !== 'string' || id === '') throw new PochtaError('INVALID_ARGUMENT', 'id: expected a queue item id');
  return id;
}

/**
 * The actions in the admin room's shape `(deps, params) => Promise<plain data>`,
 * by the names the socket uses; params carry `{ id }` where one is needed.
 * Register with `for (const [name, run] of QUEUE_ACTIONS) actions.set(name, run)`.
 */
export const QUEUE_ACTIONS: ReadonlyMap<string, (deps: QueueActionDeps, params: Readonly<Record<string, unknown>>) => Promise<unknown>> =
  new Map<string, (deps: QueueActionDeps, params: Readonly<Record<string, unknown>>) => Promise<unknown>>([
    ['queue.list', async (deps) => queueList(deps.store)],
    ['queue.show', async (deps, params) => queueShow(deps.store, idParam(params))],
    ['queue.retry', async (deps, params) => queueRetry(deps.store, idParam(params), deps.now)],
    [
      'queue.delete',
      async (deps, params) => {
        const id = idParam(params);
        await queueDelete(deps.store, id);
        return { id, deleted: true };
      },
    ],
    ['queue.bounce', async (deps, params) => queueBounce(deps.store, idParam(params), deps.now)],
  ]);
