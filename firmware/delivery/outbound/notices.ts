// Hand a DSN (bounce or delay notice) to the original sender: straight into
// the mailbox when the sender is local, otherwise into the queue with the null
// envelope sender, so that a DSN that cannot be delivered is dropped instead
// of bouncing back and forth (RFC 5321 §4.5.5).

import type { MailStore } from '../../store/types.ts';
import { domainOf } from './reply.ts';

export type NoticeOutcome =
  | { readonly kind: 'local'; readonly accounts: number; readonly queued?: string }
  | { readonly kind: 'queued'; readonly id: string }
  /** The sender's domain is ours but the address is not: nobody to tell. */
  | { readonly kind: 'dropped'; readonly reason: string };

type NoticeStore = Pick<MailStore, 'resolveRecipient' | 'getDomain' | 'deliver' | 'enqueue'>;

/**
 * Deliver `body` to `sender` durably. Resolves once the notice is on stable
 * storage (local mailbox or queue); rejects if the store fails, and the caller
 * keeps the original item so the notice is made again on the next run.
 */
export async function sendNotice(
  store: NoticeStore,
  sender: string,
  body: Buffer,
  meta: Readonly<Record<string, unknown>>,
): Promise<NoticeOutcome> {
  const resolved = await store.resolveRecipient(sender);
  if (resolved !== undefined && (resolved.accountIds.length > 0 || resolved.remote.length > 0)) {
    let queued: string | undefined;
    if (resolved.remote.length > 0) {
      queued = (await store.enqueue({ from: '', recipients: [...resolved.remote], body, meta: { ...meta, notice: true } })).id;
    }
    if (resolved.accountIds.length > 0) {
      await store.deliver({ recipients: resolved.accountIds.map((accountId) => ({ accountId })), body });
    }
    return queued === undefined
      ? { kind: 'local', accounts: resolved.accountIds.length }
      : { kind: 'local', accounts: resolved.accountIds.length, queued };
  }
  if ((await store.getDomain(domainOf(sender))) !== undefined) return { kind: 'dropped', reason: `${sender} is not a local address` };
  const item = await store.enqueue({ from: '', recipients: [sender], body, meta: { ...meta, notice: true } });
  return { kind: 'queued', id: item.id };
}
