// Mailbox changes: create (with parents), rename (with children; INBOX the RFC
// 3501 way), delete, subscribe. Each runs inside one Tx, i.e. one batch.
import { randomBytes } from 'node:crypto';
import { PochtaError } from '../errors.ts';
import { keys, UIDVALIDITY_KEY } from './keys.ts';
import { INBOX, isSameOrChild, normalizeMailboxName, parentNames } from './mailbox-names.ts';
import type { Tx } from './tx.ts';
import type { Account, Mailbox, MessageMeta, SpecialUse } from './types.ts';

export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse?: SpecialUse }> = [
  { name: INBOX },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export function newId(): string {
  return randomBytes(8).toString('hex');
}

// UIDVALIDITY must differ for every mailbox ever created under a name; one
// store-wide counter that starts at the clock (seconds) guarantees that even
// after a restore of an old backup, as long as the clock moved on.
async function nextUidValidity(tx: Tx, now: number): Promise<number> {
  const last = (await tx.get<number>(UIDVALIDITY_KEY)) ?? 0;
  const next = Math.max(last + 1, Math.floor(now / 1000)) % 0x100000000 || 1;
  tx.put(UIDVALIDITY_KEY, next);
  return next;
}

export async function mailboxByName(tx: Tx, accountId: string, name: string): Promise<Mailbox | undefined> {
  const id = await tx.get<string>(keys.mailboxName(accountId, name));
  return id === undefined ? undefined : tx.get<Mailbox>(keys.mailbox(id));
}

/** Insert one mailbox record and its name index entry. */
export async function insertMailbox(
  tx: Tx,
  accountId: string,
  name: string,
  now: number,
  options: { specialUse?: SpecialUse | undefined; subscribed?: boolean | undefined } = {},
): Promise<Mailbox> {
  const mailbox: Mailbox = {
    id: newId(),
    accountId,
    name,
    ...(options.specialUse ? { specialUse: options.specialUse } : {}),
    uidValidity: await nextUidValidity(tx, now),
    uidNext: 1,
    highestModseq: 1,
    messages: 0,
    unseen: 0,
    size: 0,
    subscribed: options.subscribed ?? false,
    createdAt: now,
  };
  tx.put(keys.mailbox(mailbox.id), mailbox);
  tx.put(keys.mailboxName(accountId, name), mailbox.id);
  tx.emit({ type: 'mailbox-created', accountId, mailboxId: mailbox.id, name });
  return mailbox;
}

async function ensureParents(tx: Tx, accountId: string, name: string, now: number): Promise<void> {
  for (const parent of parentNames(name)) {
    if (!(await tx.get(keys.mailboxName(accountId, parent)))) await insertMailbox(tx, accountId, parent, now);
  }
}

async function requireAccount(tx: Tx, accountId: string): Promise<Account> {
  const account = await tx.get<Account>(keys.account(accountId));
  if (!account) throw new PochtaError('NOT_FOUND', `no account ${accountId}`);
  return account;
}

export async function createMailbox(
  tx: Tx,
  accountId: string,
  rawName: string,
  now: number,
  options: { specialUse?: SpecialUse; subscribed?: boolean } = {},
): Promise<Mailbox> {
  const name = normalizeMailboxName(rawName);
  await requireAccount(tx, accountId);
  if (await tx.get(keys.mailboxName(accountId, name))) throw new PochtaError('ALREADY_EXISTS', `mailbox ${name} exists`);
  await ensureParents(tx, accountId, name, now);
  return insertMailbox(tx, accountId, name, now, options);
}

export async function renameMailbox(tx: Tx, accountId: string, rawOld: string, rawNew: string, now: number): Promise<Mailbox> {
  const oldName = normalizeMailboxName(rawOld);
  const newName = normalizeMailboxName(rawNew);
  await requireAccount(tx, accountId);
  const source = await mailboxByName(tx, accountId, oldName);
  if (!source) throw new PochtaError('NOT_FOUND', `no mailbox ${oldName}`);
  if (await tx.get(keys.mailboxName(accountId, newName))) throw new PochtaError('ALREADY_EXISTS', `mailbox ${newName} exists`);
  if (oldName === INBOX) return renameInbox(tx, source, newName, now);
  if (isSameOrChild(newName, oldName)) throw new PochtaError('INVALID_NAME', 'cannot move a mailbox into itself');

  const family = (await tx.scan<string>(keys.mailboxNames(accountId)))
    .map(([key, id]) => ({ name: keys.mailboxNameOf(key).name, id }))
    .filter((entry) => isSameOrChild(entry.name, oldName));
  for (const member of family) {
    const target = newName + member.name.slice(oldName.length);
    if (member.name !== oldName && (await tx.get(keys.mailboxName(accountId, target)))) {
      throw new PochtaError('ALREADY_EXISTS', `mailbox ${target} exists`);
    }
  }
  await ensureParents(tx, accountId, newName, now);
  let renamed: Mailbox = source;
  for (const member of family) {
    const mailbox = await tx.get<Mailbox>(keys.mailbox(member.id));
    if (!mailbox) continue;
    const name = newName + member.name.slice(oldName.length);
    const updated: Mailbox = { ...mailbox, name };
    tx.del(keys.mailboxName(accountId, member.name));
    tx.put(keys.mailboxName(accountId, name), mailbox.id);
    tx.put(keys.mailbox(mailbox.id), updated);
    tx.emit({ type: 'mailbox-renamed', accountId, mailboxId: mailbox.id, oldName: member.name, name });
    if (mailbox.id === source.id) renamed = updated;
  }
  return renamed;
}

// RFC 3501 6.3.5: renaming INBOX moves all its messages into a new mailbox and
// leaves INBOX in place, empty; INBOX's children stay where they are.
async function renameInbox(tx: Tx, inbox: Mailbox, newName: string, now: number): Promise<Mailbox> {
  await ensureParents(tx, inbox.accountId, newName, now);
  const created = await insertMailbox(tx, inbox.accountId, newName, now);
  const messages = await tx.scan<MessageMeta>(keys.messages(inbox.id));
  let uid = 0;
  const modseq = 1;
  for (const [key, message] of messages) {
    uid += 1;
    tx.del(key);
    tx.put(keys.message(created.id, uid), { ...message, mailboxId: created.id, uid, modseq } satisfies MessageMeta);
  }
  const moved: Mailbox = {
    ...created,
    uidNext: uid + 1,
    highestModseq: modseq,
    messages: inbox.messages,
    unseen: inbox.unseen,
    size: inbox.size,
  };
  tx.put(keys.mailbox(created.id), moved);
  if (messages.length > 0) {
    const highestModseq = inbox.highestModseq + 1;
    tx.put(keys.mailbox(inbox.id), { ...inbox, messages: 0, unseen: 0, size: 0, highestModseq } satisfies Mailbox);
    tx.emit({
      type: 'expunged',
      accountId: inbox.accountId,
      mailboxId: inbox.id,
      uids: messages.map(([, message]) => message.uid),
      modseq: highestModseq,
    });
  }
  return moved;
}

/** Remove a mailbox's messages and records; returns the bytes released. Children are kept. */
export async function dropMailbox(tx: Tx, mailbox: Mailbox): Promise<number> {
  let bytes = 0;
  for (const [key, message] of await tx.scan<MessageMeta>(keys.messages(mailbox.id))) {
    tx.del(key);
    tx.addBlobRef(message.blobId, -1);
    bytes += message.size;
  }
  tx.del(keys.mailbox(mailbox.id));
  tx.del(keys.mailboxName(mailbox.accountId, mailbox.name));
  tx.emit({ type: 'mailbox-deleted', accountId: mailbox.accountId, mailboxId: mailbox.id, name: mailbox.name });
  return bytes;
}

export async function deleteMailbox(tx: Tx, accountId: string, rawName: string): Promise<void> {
  const name = normalizeMailboxName(rawName);
  if (name === INBOX) throw new PochtaError('CANNOT_DELETE_SPECIAL', 'INBOX cannot be deleted');
  const account = await requireAccount(tx, accountId);
  const mailbox = await mailboxByName(tx, accountId, name);
  if (!mailbox) throw new PochtaError('NOT_FOUND', `no mailbox ${name}`);
  const released = await dropMailbox(tx, mailbox);
  if (released > 0) {
    tx.put(keys.account(accountId), { ...account, usedBytes: Math.max(0, account.usedBytes - released) } satisfies Account);
  }
}

export async function setSubscribed(tx: Tx, accountId: string, rawName: string, subscribed: boolean): Promise<void> {
  const name = normalizeMailboxName(rawName);
  const mailbox = await mailboxByName(tx, accountId, name);
  if (!mailbox) throw new PochtaError('NOT_FOUND', `no mailbox ${name}`);
  if (mailbox.subscribed !== subscribed) tx.put(keys.mailbox(mailbox.id), { ...mailbox, subscribed } satisfies Mailbox);
}
