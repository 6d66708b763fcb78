// Message changes. Each prepares one Tx (one batch): message records, the
// mailbox counters (UIDNEXT, HIGHESTMODSEQ, messages, unseen, size), the
// account's usedBytes and the blob refcounts move together.
import { PochtaError } from '../errors.ts';
import { applyFlagOperation, isSeen, normalizeFlags, sameFlags } from './flags.ts';
import { keys } from './keys.ts';
import { INBOX, normalizeMailboxName } from './mailbox-names.ts';
import { mailboxByName } from './mailbox-ops.ts';
import type { Tx } from './tx.ts';
import type {
  Account,
  CopyResult,
  DeliveredCopy,
  Delivery,
  FlagChange,
  FlagOperation,
  FlagUpdateResult,
  Mailbox,
  MessageMeta,
} from './types.ts';

export function overQuota(account: Account, extra: number): boolean {
  return account.quotaBytes > 0 && account.usedBytes + extra > account.quotaBytes;
}

async function requireMailbox(tx: Tx, mailboxId: string): Promise<Mailbox> {
  const mailbox = await tx.get<Mailbox>(keys.mailbox(mailboxId));
  if (!mailbox) throw new PochtaError('NOT_FOUND', `no mailbox ${mailboxId}`);
  return mailbox;
}

async function requireAccount(tx: Tx, accountId: string): Promise<Account> {
  const account = await tx.get<Account>(keys.account(accountId));
  if (!account) throw new PochtaError('UNKNOWN_USER', `no account ${accountId}`);
  return account;
}

/** Add one message record to a mailbox (counters and account usage included). */
async function addMessage(
  tx: Tx,
  mailboxId: string,
  fields: { blobId: string; size: number; internalDate: number; flags: readonly string[] },
  modseqOverride?: number,
): Promise<MessageMeta> {
  const mailbox = await requireMailbox(tx, mailboxId);
  const account = await requireAccount(tx, mailbox.accountId);
  const modseq = modseqOverride ?? mailbox.highestModseq + 1;
  const message: MessageMeta = { mailboxId, uid: mailbox.uidNext, modseq, ...fields };
  tx.put(keys.message(mailboxId, message.uid), message);
  tx.put(keys.mailbox(mailboxId), {
    ...mailbox,
    uidNext: mailbox.uidNext + 1,
    highestModseq: Math.max(mailbox.highestModseq, modseq),
    messages: mailbox.messages + 1,
    unseen: mailbox.unseen + (isSeen(fields.flags) ? 0 : 1),
    size: mailbox.size + fields.size,
  } satisfies Mailbox);
  tx.put(keys.account(account.id), { ...account, usedBytes: account.usedBytes + fields.size } satisfies Account);
  tx.addBlobRef(fields.blobId, 1);
  tx.emit({ type: 'message-added', accountId: account.id, mailboxId, uid: message.uid, modseq });
  return message;
}

/** Remove message records (must exist); one new modseq for the mailbox. */
async function removeMessages(tx: Tx, mailbox: Mailbox, messages: readonly MessageMeta[]): Promise<void> {
  if (messages.length === 0) return;
  const account = await requireAccount(tx, mailbox.accountId);
  let size = 0;
  let unseen = 0;
  for (const message of messages) {
    tx.del(keys.message(mailbox.id, message.uid));
    tx.addBlobRef(message.blobId, -1);
    size += message.size;
    if (!isSeen(message.flags)) unseen += 1;
  }
  const current = await requireMailbox(tx, mailbox.id);
  const modseq = current.highestModseq + 1;
  tx.put(keys.mailbox(mailbox.id), {
    ...current,
    highestModseq: modseq,
    messages: current.messages - messages.length,
    unseen: current.unseen - unseen,
    size: current.size - size,
  } satisfies Mailbox);
  tx.put(keys.account(account.id), { ...account, usedBytes: Math.max(0, account.usedBytes - size) } satisfies Account);
  tx.emit({ type: 'expunged', accountId: account.id, mailboxId: mailbox.id, uids: messages.map((m) => m.uid), modseq });
}

async function existingMessages(tx: Tx, mailboxId: string, uids: readonly number[]): Promise<MessageMeta[]> {
  const unique = [...new Set(uids)].filter((uid) => Number.isInteger(uid) && uid > 0).sort((a, b) => a - b);
  const found = await tx.getMany<MessageMeta>(unique.map((uid) => keys.message(mailboxId, uid)));
  return found.filter((message): message is MessageMeta => message !== undefined);
}

export async function deliver(
  tx: Tx,
  delivery: Delivery,
  blobId: string,
  now: number,
): Promise<{ copies: DeliveredCopy[]; overQuota: string[] }> {
  const copies: DeliveredCopy[] = [];
  const refused: string[] = [];
  const done = new Set<string>();
  const size = delivery.body.byteLength;
  for (const recipient of delivery.recipients) {
    const account = await requireAccount(tx, recipient.accountId);
    let mailbox: Mailbox | undefined;
    if (recipient.mailbox !== undefined && recipient.mailbox !== INBOX) {
      try {
        mailbox = await mailboxByName(tx, account.id, normalizeMailboxName(recipient.mailbox));
      } catch {
        mailbox = undefined; // an unusable name falls back to INBOX like a missing one
      }
    }
    mailbox ??= await mailboxByName(tx, account.id, INBOX);
    if (!mailbox) throw new PochtaError('STORAGE_FAILURE', `account ${account.id} has no INBOX`);
    if (done.has(mailbox.id)) continue;
    done.add(mailbox.id);
    if (overQuota(account, size)) {
      if (!refused.includes(account.id)) refused.push(account.id);
      continue;
    }
    const message = await addMessage(tx, mailbox.id, {
      blobId,
      size,
      internalDate: delivery.internalDate ?? now,
      flags: normalizeFlags(recipient.flags ?? []),
    });
    copies.push({ accountId: account.id, mailboxId: mailbox.id, uid: message.uid });
  }
  return { copies, overQuota: refused };
}

export async function append(
  tx: Tx,
  mailboxId: string,
  blobId: string,
  size: number,
  options: { flags?: readonly string[]; internalDate?: number },
  now: number,
): Promise<MessageMeta> {
  const mailbox = await requireMailbox(tx, mailboxId);
  const account = await requireAccount(tx, mailbox.accountId);
  if (overQuota(account, size)) throw new PochtaError('OVER_QUOTA', `account ${account.id} over quota`);
  return addMessage(tx, mailboxId, {
    blobId,
    size,
    internalDate: options.internalDate ?? now,
    flags: normalizeFlags(options.flags ?? []),
  });
}

export async function setFlags(
  tx: Tx,
  mailboxId: string,
  uids: readonly number[],
  op: FlagOperation,
  flags: readonly string[],
  unchangedSince?: number,
): Promise<FlagUpdateResult> {
  const mailbox = await requireMailbox(tx, mailboxId);
  const modseq = mailbox.highestModseq + 1;
  const changed: FlagChange[] = [];
  const modified: number[] = [];
  let unseenDelta = 0;
  for (const message of await existingMessages(tx, mailboxId, uids)) {
    if (unchangedSince !== undefined && message.modseq > unchangedSince) {
      modified.push(message.uid);
      continue;
    }
    const next = applyFlagOperation(message.flags, op, flags);
    if (sameFlags(next, message.flags)) continue;
    unseenDelta += (isSeen(next) ? 0 : 1) - (isSeen(message.flags) ? 0 : 1);
    tx.put(keys.message(mailboxId, message.uid), { ...message, flags: next, modseq } satisfies MessageMeta);
    changed.push({ uid: message.uid, flags: next, modseq });
  }
  if (changed.length > 0) {
    tx.put(keys.mailbox(mailboxId), { ...mailbox, highestModseq: modseq, unseen: mailbox.unseen + unseenDelta } satisfies Mailbox);
    tx.emit({ type: 'flags-changed', accountId: mailbox.accountId, mailboxId, changes: changed });
  }
  return { changed, modified };
}

export async function copyOrMove(tx: Tx, sourceId: string, uids: readonly number[], targetId: string, move: boolean): Promise<CopyResult> {
  const source = await requireMailbox(tx, sourceId);
  const target = await requireMailbox(tx, targetId);
  const messages = await existingMessages(tx, sourceId, uids);
  const bytes = messages.reduce((sum, message) => sum + message.size, 0);
  const targetAccount = await requireAccount(tx, target.accountId);
  // A move inside one account does not change its usage.
  if (!(move && source.accountId === target.accountId) && overQuota(targetAccount, bytes)) {
    throw new PochtaError('OVER_QUOTA', `account ${targetAccount.id} over quota`);
  }
  const modseq = (await requireMailbox(tx, targetId)).highestModseq + 1;
  const uidMap: Array<readonly [number, number]> = [];
  for (const message of messages) {
    const copy = await addMessage(
      tx,
      targetId,
      { blobId: message.blobId, size: message.size, internalDate: message.internalDate, flags: message.flags },
      modseq,
    );
    uidMap.push([message.uid, copy.uid]);
  }
  if (move) await removeMessages(tx, await requireMailbox(tx, sourceId), messages);
  return { uidValidity: target.uidValidity, uidMap };
}

export async function expunge(tx: Tx, mailboxId: string, uids: readonly number[]): Promise<number[]> {
  const mailbox = await requireMailbox(tx, mailboxId);
  const messages = await existingMessages(tx, mailboxId, uids);
  await removeMessages(tx, mailbox, messages);
  return messages.map((message) => message.uid);
}
