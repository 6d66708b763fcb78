// fsck: recompute everything derived from the message records and compare it
// with what is stored: mailbox counters, blob refcounts, account usage, the
// indexes (the search index included), and body files against blob records. With `repair`, everything that
// can be derived is rewritten in one batch, and files nothing refers to go.
// It runs under the write mutex after the commit queue drained, so it sees a
// still picture; body writes in flight are pinned and left alone.

import type { WriteOp } from './commit-queue.ts';
import type { StoreCore } from './core.ts';
import { isSeen } from './flags.ts';
import { keys } from './keys.ts';
import type { BlobRecord } from './records.ts';
import { joinBodyInfo, signatureOf } from './search-index.ts';
import type { Account, BodyInfo, FsckProblem, FsckReport, Mailbox, MessageMeta, QueueItem } from './types.ts';

export async function fsck(core: StoreCore, repair: boolean): Promise<FsckReport> {
  return core.exclusive(async () => {
    await core.commits.settle();
    return check(core, repair);
  });
}

async function check(core: StoreCore, repair: boolean): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const ops: WriteOp[] = [];
  const unlinks: string[] = [];
  const temps: string[] = [];
  const problem = (kind: string, detail: string, fixable: boolean) => problems.push({ kind, detail, repaired: repair && fixable });

  const accounts = new Map((await core.scan<Account>(keys.accounts())).map(([, a]) => [a.id, a]));
  const mailboxes = new Map((await core.scan<Mailbox>(keys.mailboxes())).map(([, m]) => [m.id, m]));
  const blobRecords = new Map((await core.scan<BlobRecord>(keys.blobs())).map(([k, b]) => [keys.blobOf(k), b]));
  const refs = new Map<string, { count: number; size: number }>();
  const reference = (hash: string, size: number) => {
    const entry = refs.get(hash) ?? { count: 0, size };
    entry.count += 1;
    refs.set(hash, entry);
  };

  // the address index and the accounts agree
  for (const [key, id] of await core.scan<string>(keys.addresses())) {
    const account = accounts.get(id);
    if (!account || keys.address(account.address) !== key) {
      problem('address-index', `${key} points to ${account ? account.address : `missing account ${id}`}`, true);
      ops.push({ type: 'del', key });
      if (account) ops.push({ type: 'put', key: keys.address(account.address), value: account.id });
    }
  }
  for (const account of accounts.values()) {
    if ((await core.read<string>(keys.address(account.address))) !== account.id) {
      problem('address-index', `account ${account.address} missing from the address index`, true);
      ops.push({ type: 'put', key: keys.address(account.address), value: account.id });
    }
  }

  // the name index and the mailboxes agree; mailboxes belong to accounts
  const indexed = new Set<string>();
  for (const [key, id] of await core.scan<string>(keys.allMailboxNames())) {
    const mailbox = mailboxes.get(id);
    const { accountId, name } = keys.mailboxNameOf(key);
    if (!mailbox || mailbox.accountId !== accountId || mailbox.name !== name) {
      problem('mailbox-index', `${key} does not match a mailbox`, true);
      ops.push({ type: 'del', key });
    } else indexed.add(id);
  }

  let messageCount = 0;
  const used = new Map<string, number>();
  for (const mailbox of mailboxes.values()) {
    const orphan = !accounts.has(mailbox.accountId);
    if (orphan) {
      problem('orphan-mailbox', `mailbox ${mailbox.id} (${mailbox.name}) belongs to no account`, true);
      ops.push({ type: 'del', key: keys.mailbox(mailbox.id) });
    } else if (!indexed.has(mailbox.id)) {
      problem('mailbox-index', `mailbox ${mailbox.name} of ${mailbox.accountId} missing from the name index`, true);
      ops.push({ type: 'put', key: keys.mailboxName(mailbox.accountId, mailbox.name), value: mailbox.id });
    }
    let count = 0;
    let unseen = 0;
    let size = 0;
    let maxUid = 0;
    let maxModseq = 0;
    for (const [key, message] of await core.scan<MessageMeta>(keys.messages(mailbox.id))) {
      messageCount += 1;
      if (orphan) {
        ops.push({ type: 'del', key });
        continue;
      }
      count += 1;
      size += message.size;
      if (!isSeen(message.flags)) unseen += 1;
      maxUid = Math.max(maxUid, message.uid);
      maxModseq = Math.max(maxModseq, message.modseq);
      reference(message.blobId, message.size);
    }
    if (orphan) continue;
    used.set(mailbox.accountId, (used.get(mailbox.accountId) ?? 0) + size);
    const fixed: Mailbox = {
      ...mailbox,
      messages: count,
      unseen,
      size,
      uidNext: Math.max(mailbox.uidNext, maxUid + 1),
      highestModseq: Math.max(mailbox.highestModseq, maxModseq),
    };
    if (fixed.messages !== mailbox.messages || fixed.unseen !== mailbox.unseen || fixed.size !== mailbox.size) {
      problem(
        'mailbox-count',
        `${mailbox.name} (${mailbox.id}): stored ${mailbox.messages}/${mailbox.unseen}/${mailbox.size}, actual ${count}/${unseen}/${size} (messages/unseen/bytes)`,
        true,
      );
    }
    if (fixed.uidNext !== mailbox.uidNext || fixed.highestModseq !== mailbox.highestModseq) {
      problem('mailbox-uid', `${mailbox.name} (${mailbox.id}): UIDNEXT or HIGHESTMODSEQ behind its messages`, true);
    }
    if (fixed !== mailbox && JSON.stringify(fixed) !== JSON.stringify(mailbox)) {
      ops.push({ type: 'put', key: keys.mailbox(mailbox.id), value: fixed });
    }
  }

  // messages whose mailbox is gone
  const known = new Set(mailboxes.keys());
  for (const [key, message] of await core.scan<MessageMeta>(keys.allMessages())) {
    if (!known.has(message.mailboxId)) {
      messageCount += 1;
      problem('orphan-message', `${key} belongs to no mailbox`, true);
      ops.push({ type: 'del', key });
    }
  }

  for (const [, item] of await core.scan<QueueItem>(keys.queue())) reference(item.blobId, item.size);

  for (const account of accounts.values()) {
    const actual = used.get(account.id) ?? 0;
    if (actual !== account.usedBytes) {
      problem('quota-sum', `${account.address}: stored ${account.usedBytes} bytes used, actual ${actual}`, true);
      ops.push({ type: 'put', key: keys.account(account.id), value: { ...account, usedBytes: actual } satisfies Account });
    }
  }

  // refcounts against references
  for (const [hash, ref] of refs) {
    const record = blobRecords.get(hash);
    // Where the bytes are: in the database until the mover has made the file
    // durable (then both may exist for a moment), in the file after. The
    // record's inline flag must agree with a body whose only copy is in the database.
    const inlineSize = core.readInlineBody(hash)?.byteLength;
    const fileSize = await core.blobs.size(hash);
    const inDatabase = record?.inline === true ? inlineSize !== undefined : inlineSize !== undefined && fileSize === undefined;
    const size = inDatabase ? inlineSize : fileSize;
    let fixed: BlobRecord | undefined;
    if (size === undefined) {
      problem('missing-blob', `body ${hash} (${ref.count} references) has no ${record?.inline ? 'bytes in the database' : 'file'}`, false);
    } else if (size !== (record?.size ?? ref.size)) {
      problem('blob-size', `body ${hash} is ${size} bytes, expected ${record?.size ?? ref.size}`, false);
    }
    if (!inDatabase && inlineSize !== undefined) {
      problem('orphan-body-info', `body ${hash} is a file and still has a copy in the database`, true);
      ops.push({ type: 'del', key: keys.bodyData(hash) });
    }
    if (record?.refs !== ref.count) {
      problem('blob-refcount', `body ${hash}: stored ${record?.refs ?? 0} references, actual ${ref.count}`, true);
      fixed = { ...(record ?? { size: ref.size, createdAt: core.now() }), refs: ref.count };
    }
    if (size !== undefined && ((fixed ?? record)?.inline === true) !== inDatabase) {
      problem(
        'blob-record',
        `body ${hash}: its record says ${inDatabase ? 'file' : 'database'}, its bytes are in the ${inDatabase ? 'database' : 'file'}`,
        true,
      );
      const { inline: _stale, ...rest } = fixed ?? (record as BlobRecord);
      fixed = inDatabase ? { ...rest, inline: true } : rest;
    }
    if (fixed) ops.push({ type: 'put', key: keys.blob(hash), value: fixed });
  }
  for (const [hash, record] of blobRecords) {
    if (refs.has(hash)) continue;
    problem('blob-refcount', `body ${hash}: stored ${record.refs} references, actual 0`, true);
    ops.push(
      { type: 'del', key: keys.blob(hash) },
      { type: 'del', key: keys.bodyInfo(hash) },
      { type: 'del', key: keys.bodyText(hash) },
      { type: 'del', key: keys.bodyHead(hash) },
      { type: 'del', key: keys.bodyData(hash) },
    );
    if (!record.inline) unlinks.push(hash);
  }
  for (const [key] of await core.scan(keys.bodyInfos())) {
    const hash = keys.bodyInfoOf(key);
    if (!refs.has(hash)) {
      if (blobRecords.has(hash)) continue; // already dropped with its record above
      problem('orphan-body-info', `${key} has no body`, true);
      ops.push({ type: 'del', key });
    }
  }
  for (const [key] of await core.scan(keys.bodyTexts())) {
    const hash = keys.bodyTextOf(key);
    if (!refs.has(hash) && !blobRecords.has(hash)) {
      problem('orphan-body-info', `${key} has no body`, true);
      ops.push({ type: 'del', key });
    }
  }

  for (const [key] of await core.scan(keys.bodyHeads())) {
    const hash = keys.bodyHeadOf(key);
    if (!refs.has(hash) && !blobRecords.has(hash)) {
      problem('orphan-body-info', `${key} has no body`, true);
      ops.push({ type: 'del', key });
    }
  }

  for await (const key of core.db.keys(keys.bodyDatas())) {
    const hash = keys.bodyDataOf(key);
    if (!refs.has(hash) && !blobRecords.has(hash)) {
      problem('orphan-body-info', `${key} has no references`, true);
      ops.push({ type: 'del', key });
    }
  }

  // the search index: every body has its signature, as its BodyInfo text gives it, and nothing else has one
  const signatures = new Map((await core.scan<unknown>(keys.searchSignatures())).map(([k, v]) => [keys.searchSignatureOf(k), v]));
  for (const hash of refs.keys()) {
    const stored = signatures.get(hash);
    const expected = signatureOf(
      joinBodyInfo(await core.read<BodyInfo>(keys.bodyInfo(hash)), await core.read<string>(keys.bodyText(hash))),
    );
    if (stored === expected) continue;
    problem(
      'search-index',
      `body ${hash}: ${stored === undefined ? 'not in the search index' : 'search index entry does not match its text'}`,
      true,
    );
    ops.push({ type: 'put', key: keys.searchSignature(hash), value: expected });
  }
  for (const hash of signatures.keys()) {
    if (refs.has(hash)) continue;
    problem('search-index', `search index entry for body ${hash}, which has no references`, true);
    ops.push({ type: 'del', key: keys.searchSignature(hash) });
  }

  // files against records
  const files = await core.blobs.list();
  for (const hash of files) {
    if (refs.has(hash) || blobRecords.has(hash) || core.isPinned(hash)) continue;
    problem('orphan-blob', `file ${hash} has no references`, true);
    unlinks.push(hash);
  }
  for (const name of await core.blobs.staleTemps()) {
    problem('temp-file', `left-over temp file ${name}`, true);
    temps.push(name);
  }

  if (repair) {
    if (ops.length > 0) {
      await core.db.batch(ops, { sync: true });
      // the repair may have dropped bodies kept in the database or told
      // records that their bytes are there: the space check's count of bytes
      // waiting for the mover is recounted, and the mover told
      const waiting = await inlineBytesOf(core);
      core.inlineBytes = waiting.bytes;
      if (waiting.count > 0) core.mover?.notify(waiting.count);
    }
    for (const hash of unlinks) if (!core.isPinned(hash)) await core.blobs.unlink(hash);
    for (const name of temps) await core.blobs.removeTemp(name);
  }
  return {
    problems,
    checked: { accounts: accounts.size, mailboxes: mailboxes.size, messages: messageCount, blobs: refs.size },
  };
}

/** Bodies kept in the database with records that say so: how many, and their bytes. */
async function inlineBytesOf(core: StoreCore): Promise<{ count: number; bytes: number }> {
  const present = new Set<string>();
  for await (const key of core.db.keys(keys.bodyDatas())) present.add(keys.bodyDataOf(key));
  let bytes = 0;
  let count = 0;
  for (const hash of present) {
    const record = core.readSync<BlobRecord>(keys.blob(hash));
    if (record?.inline) {
      bytes += record.size;
      count += 1;
    }
  }
  return { count, bytes };
}
