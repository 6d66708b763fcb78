// Messages: deliver, append, flags, copy, move, expunge, with quota, refcounts
// and the change feed checked along the way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { INLINE_BODY_LIMIT } from '../../../firmware/store/index.ts';
import type { Account, Mailbox, StoreEvent } from '../../../firmware/store/types.ts';
import { body, type TestStore, tempStore, withAccount } from './helpers.ts';

const code = (c: string) => (err: unknown) => isPochtaError(err) && err.code === c;

describe('delivery', () => {
  let t: TestStore;
  const users: Array<{ account: Account; inbox: Mailbox }> = [];
  const events: StoreEvent[] = [];
  let analyzed = 0;
  before(async () => {
    t = await tempStore({
      now: () => 1_700_000_000_000,
      analyze: (b) => {
        analyzed += 1;
        return { text: `parsed ${b.byteLength}` };
      },
    });
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) users.push(await withAccount(t.store, `${name}@example.com`));
    t.store.subscribe((event) => events.push(event));
  });
  after(() => t.cleanup());

  it('stores a body delivered to five users once', async () => {
    const content = body('to five');
    const result = await t.store.deliver({ recipients: users.map((u) => ({ accountId: u.account.id })), body: content });
    assert.equal(result.copies.length, 5);
    assert.deepEqual(result.overQuota, []);
    assert.equal(result.size, content.byteLength);
    assert.match(result.blobId, /^[0-9a-f]{64}$/);
    const stats = await t.store.stats();
    assert.equal(stats.blobs, 1);
    assert.equal(stats.blobBytes, content.byteLength);
    assert.equal(stats.messages, 5);
    for (const [i, u] of users.entries()) {
      assert.deepEqual(result.copies[i], { accountId: u.account.id, mailboxId: u.inbox.id, uid: 1 });
      const meta = await t.store.getMessage(u.inbox.id, 1);
      assert.equal(meta?.blobId, result.blobId);
      assert.equal(meta?.internalDate, 1_700_000_000_000);
      assert.equal(meta?.modseq, 2);
      const inbox = await t.store.getMailboxById(u.inbox.id);
      assert.equal(inbox?.uidNext, 2);
      assert.equal(inbox?.messages, 1);
      assert.equal(inbox?.unseen, 1);
      assert.equal(inbox?.size, content.byteLength);
      assert.equal((await t.store.getAccount(u.account.id))?.usedBytes, content.byteLength);
    }
    assert.deepEqual(await t.store.getBodyInfo(result.blobId), { text: `parsed ${content.byteLength}` });
    assert.equal(analyzed, 1, 'parsed once for five copies');
    const again = await t.store.deliver({ recipients: [{ accountId: users[0]?.account.id ?? '' }], body: content });
    assert.equal(again.blobId, result.blobId);
    assert.equal(analyzed, 1, 'a known body is not parsed again');
    await t.store.expunge(users[0]?.inbox.id ?? '', [again.copies[0]?.uid ?? 0]);
    assert.deepEqual(Buffer.from((await t.store.readBody(result.blobId)) ?? []), Buffer.from(content));
    assert.deepEqual(Buffer.from((await t.store.readBody(result.blobId, 0, 4)) ?? []), Buffer.from('From'));
    assert.equal(existsSync(t.store.blobPath(result.blobId)), false, 'a small body is kept in the database, not in a file');
    // a large one is a file, named by its hash
    const large = body('large', INLINE_BODY_LIMIT + 1);
    const bigger = await t.store.deliver({ recipients: [{ accountId: users[1]?.account.id ?? '' }], body: large });
    assert.ok(t.store.blobPath(bigger.blobId).endsWith(`blobs/${bigger.blobId.slice(0, 2)}/${bigger.blobId}`));
    assert.ok(existsSync(t.store.blobPath(bigger.blobId)));
    assert.deepEqual(Buffer.from((await t.store.readBody(bigger.blobId, 1, 5)) ?? []), Buffer.from('rom:'));
    await t.store.expunge(users[1]?.inbox.id ?? '', [bigger.copies[0]?.uid ?? 0]);
    assert.equal(existsSync(t.store.blobPath(bigger.blobId)), false, 'its last reference gone: file unlinked');
    assert.deepEqual(
      events
        .filter((e) => e.type === 'message-added')
        .slice(0, 5)
        .map((e) => e.type === 'message-added' && e.accountId),
      users.map((u) => u.account.id),
    );
  });

  it('puts the delivery into a named mailbox with flags, falling back to INBOX', async () => {
    const [u] = users;
    assert.ok(u);
    const result = await t.store.deliver({
      recipients: [
        { accountId: u.account.id, mailbox: 'Junk', flags: ['\\seen', '$Junk', '\\Recent'] },
        { accountId: u.account.id, mailbox: 'No such folder' },
      ],
      body: body('spammy'),
      internalDate: 42,
    });
    const junk = await t.store.getMailbox(u.account.id, 'Junk');
    assert.equal(result.copies[0]?.mailboxId, junk?.id);
    assert.equal(result.copies[1]?.mailboxId, u.inbox.id);
    const meta = await t.store.getMessage(junk?.id ?? '', 1);
    assert.deepEqual(meta?.flags, ['\\Seen', '$Junk']);
    assert.equal(meta?.internalDate, 42);
    assert.equal(junk?.unseen, 0);
  });

  it('skips over-quota recipients and delivers to the rest', async () => {
    const small = await withAccount(t.store, 'small@example.com', 100);
    const result = await t.store.deliver({
      recipients: [{ accountId: small.account.id }, { accountId: users[1]?.account.id ?? '' }],
      body: body('big', 500),
    });
    assert.deepEqual(result.overQuota, [small.account.id]);
    assert.equal(result.copies.length, 1);
    assert.equal((await t.store.getAccount(small.account.id))?.usedBytes, 0);
    await assert.rejects(t.store.appendMessage(small.inbox.id, body('big', 500)), code('OVER_QUOTA'));
    const fits = await t.store.appendMessage(small.inbox.id, body('tiny'));
    assert.equal((await t.store.getAccount(small.account.id))?.usedBytes, fits.size);
    // everyone over quota: nothing stored, the body file is not left behind
    const refused = await t.store.deliver({ recipients: [{ accountId: small.account.id }], body: body('nobody gets it', 400) });
    assert.deepEqual(refused.copies, []);
    assert.equal(existsSync(t.store.blobPath(refused.blobId)), false);
  });

  it('treats quota 0 as unlimited', async () => {
    const [u] = users;
    assert.ok(u);
    assert.equal((await t.store.getAccount(u.account.id))?.quotaBytes, 0);
    const big = await t.store.appendMessage(u.inbox.id, body('big', 2 * 1024 * 1024));
    assert.equal(big.size, 2 * 1024 * 1024);
    await t.store.expunge(u.inbox.id, [big.uid]);
  });

  it('refuses unknown recipients and empty deliveries', async () => {
    await assert.rejects(t.store.deliver({ recipients: [{ accountId: 'nope' }], body: body('x') }), code('UNKNOWN_USER'));
    await assert.rejects(t.store.deliver({ recipients: [], body: body('x') }), code('INVALID_ARGUMENT'));
    await assert.rejects(t.store.appendMessage('nope', body('x')), code('NOT_FOUND'));
    assert.deepEqual((await t.store.fsck()).problems, []);
  });
});

describe('flags, copy, move, expunge', () => {
  let t: TestStore;
  let account: Account;
  let inbox: Mailbox;
  let archive: Mailbox;
  const events: StoreEvent[] = [];
  before(async () => {
    t = await tempStore();
    ({ account, inbox } = await withAccount(t.store, 'alice@example.com', 10_000));
    archive = (await t.store.getMailbox(account.id, 'Archive')) as Mailbox;
    for (let i = 1; i <= 5; i++) await t.store.appendMessage(inbox.id, body(`message ${i}`, 1000));
    t.store.subscribe((event) => events.push(event));
  });
  after(() => t.cleanup());

  it('lists by UID range and reads single messages', async () => {
    assert.deepEqual(
      (await t.store.listMessages(inbox.id)).map((m) => m.uid),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      (await t.store.listMessages(inbox.id, { from: 2, to: 4 })).map((m) => m.uid),
      [2, 3, 4],
    );
    assert.deepEqual(
      (await t.store.listMessages(inbox.id, { from: 4 })).map((m) => m.uid),
      [4, 5],
    );
    assert.equal(await t.store.getMessage(inbox.id, 99), undefined);
    assert.equal(await t.store.getMessage(inbox.id, 0), undefined);
  });

  it('changes flags with one new modseq, only where they change', async () => {
    const start = (await t.store.getMailboxById(inbox.id)) as Mailbox;
    const result = await t.store.setFlags(inbox.id, [1, 2, 99], 'add', ['\\Seen', 'Work']);
    assert.deepEqual(
      result.changed.map((c) => c.uid),
      [1, 2],
    );
    assert.ok(result.changed.every((c) => c.modseq === start.highestModseq + 1));
    assert.deepEqual(result.changed[0]?.flags, ['\\Seen', 'Work']);
    let box = (await t.store.getMailboxById(inbox.id)) as Mailbox;
    assert.equal(box.unseen, 3);
    assert.equal(box.highestModseq, start.highestModseq + 1);
    const again = await t.store.setFlags(inbox.id, [1, 2], 'add', ['\\seen']);
    assert.deepEqual(again.changed, [], 'no change, no modseq');
    assert.equal(((await t.store.getMailboxById(inbox.id)) as Mailbox).highestModseq, box.highestModseq);
    await t.store.setFlags(inbox.id, [1], 'remove', ['work']);
    assert.deepEqual((await t.store.getMessage(inbox.id, 1))?.flags, ['\\Seen']);
    await t.store.setFlags(inbox.id, [2], 'replace', ['\\Flagged']);
    assert.deepEqual((await t.store.getMessage(inbox.id, 2))?.flags, ['\\Flagged']);
    box = (await t.store.getMailboxById(inbox.id)) as Mailbox;
    assert.equal(box.unseen, 4);
    const flagEvents = events.filter((e) => e.type === 'flags-changed');
    assert.equal(flagEvents.length, 3);
  });

  it('honours UNCHANGEDSINCE', async () => {
    const m1 = await t.store.getMessage(inbox.id, 1);
    const m3 = await t.store.getMessage(inbox.id, 3);
    assert.ok(m1 && m3 && m1.modseq > m3.modseq);
    const result = await t.store.setFlags(inbox.id, [1, 3], 'add', ['\\Answered'], { unchangedSince: m3.modseq });
    assert.deepEqual(result.modified, [1]);
    assert.deepEqual(
      result.changed.map((c) => c.uid),
      [3],
    );
  });

  it('copies sharing bodies, with COPYUID pairs, within quota', async () => {
    const before = (await t.store.getAccount(account.id))?.usedBytes ?? 0;
    const result = await t.store.copyMessages(inbox.id, [3, 1, 42], archive.id);
    assert.equal(result.uidValidity, archive.uidValidity);
    assert.deepEqual(result.uidMap, [
      [1, 1],
      [3, 2],
    ]);
    assert.deepEqual((await t.store.getMessage(archive.id, 1))?.flags, ['\\Seen']);
    const source = await t.store.getMessage(inbox.id, 1);
    assert.equal((await t.store.getMessage(archive.id, 1))?.blobId, source?.blobId);
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, before + 2000);
    assert.equal((await t.store.stats()).blobs, 5, 'copies share the bodies');
    await assert.rejects(t.store.copyMessages(inbox.id, [1, 2, 3, 4, 5], archive.id), code('OVER_QUOTA'));
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, before + 2000, 'a refused copy changes nothing');
  });

  it('moves atomically without changing usage', async () => {
    const trash = (await t.store.getMailbox(account.id, 'Trash')) as Mailbox;
    const used = (await t.store.getAccount(account.id))?.usedBytes;
    const seen = events.length;
    const result = await t.store.moveMessages(inbox.id, [4, 5], trash.id);
    assert.deepEqual(result.uidMap, [
      [4, 1],
      [5, 2],
    ]);
    assert.deepEqual(
      (await t.store.listMessages(inbox.id)).map((m) => m.uid),
      [1, 2, 3],
    );
    assert.equal((await t.store.getMailboxById(trash.id))?.messages, 2);
    assert.equal((await t.store.getMailboxById(inbox.id))?.messages, 3);
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, used);
    assert.deepEqual(
      events.slice(seen).map((e) => e.type),
      ['message-added', 'message-added', 'expunged'],
    );
  });

  it('expunges, releasing quota and the last reference to a body', async () => {
    const trash = (await t.store.getMailbox(account.id, 'Trash')) as Mailbox;
    const victim = await t.store.getMessage(trash.id, 1);
    assert.ok(victim);
    const used = (await t.store.getAccount(account.id))?.usedBytes ?? 0;
    const removed = await t.store.expunge(trash.id, [1, 77]);
    assert.deepEqual(removed, [1]);
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, used - victim.size);
    assert.equal(await t.store.readBody(victim.blobId), undefined, 'last reference gone: body removed');
    const shared = await t.store.getMessage(inbox.id, 1);
    await t.store.expunge(inbox.id, [1]);
    assert.ok(await t.store.readBody(shared?.blobId ?? ''), 'still referenced by the copy in Archive');
    const expunged = events.filter((e) => e.type === 'expunged').at(-1);
    assert.equal(expunged?.type === 'expunged' && expunged.uids.join(), '1');
    assert.deepEqual(await t.store.expunge(inbox.id, [1]), [], 'expunging twice is harmless');
  });

  it('delivers feed events in commit order and stops after unsubscribe', async () => {
    const seen: string[] = [];
    const stop = t.store.subscribe((event) => seen.push(event.type));
    t.store.subscribe(() => {
      throw new Error('a broken subscriber must not break commits');
    });
    const resolved: string[] = [];
    const track = (type: string) => () => resolved.push(type);
    // the append writes its body first, so it commits after the other two
    await Promise.all([
      t.store.appendMessage(inbox.id, body('feed 1')).then(track('message-added')),
      t.store.setFlags(inbox.id, [2], 'add', ['\\Deleted']).then(track('flags-changed')),
      t.store.expunge(inbox.id, [2]).then(track('expunged')),
    ]);
    assert.deepEqual([...seen].sort(), ['expunged', 'flags-changed', 'message-added']);
    assert.deepEqual(seen, resolved, 'events come in commit order, before the caller hears back');
    assert.ok(seen.indexOf('flags-changed') < seen.indexOf('expunged'));
    stop();
    await t.store.appendMessage(inbox.id, body('feed 2'));
    assert.equal(seen.length, 3);
    const report = await t.store.fsck();
    assert.deepEqual(report.problems, []);
  });
});
