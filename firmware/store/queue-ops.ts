// Outbound queue records. The body is a blob like any message body, and the
// queue item holds one reference to it.
import { PochtaError } from '../errors.ts';
import { validAddress } from './directory-ops.ts';
import { keys } from './keys.ts';
import { newId } from './mailbox-ops.ts';
import type { Tx } from './tx.ts';
import type { NewQueueItem, QueueItem, QueuePatch } from './types.ts';

export function enqueue(tx: Tx, item: NewQueueItem, blobId: string, now: number): QueueItem {
  if (item.recipients.length === 0) throw new PochtaError('INVALID_ARGUMENT', 'a queue item needs recipients');
  const from = item.from === '' ? '' : validAddress(item.from);
  const queued: QueueItem = {
    id: `${now.toString(36)}-${newId()}`,
    from,
    recipients: item.recipients.map((address) => ({ address: validAddress(address), status: 'pending' as const, attempts: 0 })),
    blobId,
    size: item.body.byteLength,
    createdAt: now,
    nextAttemptAt: item.nextAttemptAt ?? now,
    attempts: 0,
    ...(item.meta !== undefined ? { meta: item.meta } : {}),
  };
  tx.put(keys.queueItem(queued.id), queued);
  tx.addBlobRef(blobId, 1);
  tx.emit({ type: 'queue-changed', id: queued.id });
  return queued;
}

export async function updateQueueItem(tx: Tx, id: string, patch: QueuePatch): Promise<QueueItem | undefined> {
  const item = await tx.get<QueueItem>(keys.queueItem(id));
  if (!item) return undefined;
  const next: QueueItem = {
    ...item,
    ...(patch.recipients !== undefined ? { recipients: patch.recipients } : {}),
    ...(patch.nextAttemptAt !== undefined ? { nextAttemptAt: patch.nextAttemptAt } : {}),
    ...(patch.attempts !== undefined ? { attempts: patch.attempts } : {}),
    ...(patch.delayNotified !== undefined ? { delayNotified: patch.delayNotified } : {}),
    ...(patch.meta !== undefined ? { meta: patch.meta } : {}),
  };
  tx.put(keys.queueItem(id), next);
  tx.emit({ type: 'queue-changed', id });
  return next;
}

export async function removeQueueItem(tx: Tx, id: string): Promise<void> {
  const item = await tx.get<QueueItem>(keys.queueItem(id));
  if (!item) return;
  tx.del(keys.queueItem(id));
  tx.addBlobRef(item.blobId, -1);
  tx.emit({ type: 'queue-changed', id });
}

export function setSettings(tx: Tx, values: Readonly<Record<string, unknown>>): void {
  const changed = Object.keys(values);
  for (const key of changed) {
    if (key.length === 0) throw new PochtaError('INVALID_ARGUMENT', 'empty setting key');
    const value = values[key];
    if (value === undefined) tx.del(keys.setting(key));
    else tx.put(keys.setting(key), value);
  }
  if (changed.length > 0) tx.emit({ type: 'settings-changed', keys: changed });
}
