// Many changes at once: UIDs and modseqs stay unique, counters exact, and
// concurrent commits share fsyncs (group commit).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Account, Mailbox } from '../../../firmware/store/types.ts';
import { body, type TestStore, tempStore, withAccount } from './helpers.ts';

describe('concurrency', () => {
  let t: TestStore;
  let alice: { account: Account; inbox: Mailbox };
  let bob: { account: Account; inbox: Mailbox };
  before(async () => {
    t = await tempStore();
    alice = await withAccount(t.store, 'alice@example.com');
    bob = await withAccount(t.store, 'bob@example.com');
  });
  after(() => t.cleanup());

  it('200 concurrent deliveries get unique UIDs and exact counts, sharing fsyncs', async () => {
    const before = t.store.commitStats;
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.concat([body(`concurrent ${i}`), randomBytes(64)]));
    const results = await Promise.all(
      bodies.map((content) =>
        t.store.deliver({ recipients: [{ accountId: alice.account.id }, { accountId: bob.account.id }], body: content }),
      ),
    );
    const stats = t.store.commitStats;
    const aliceUids = results.map((r) => r.copies[0]?.uid ?? 0);
    assert.equal(new Set(aliceUids).size, 200);
    assert.deepEqual(
      [...aliceUids].sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    const messages = await t.store.listMessages(alice.inbox.id);
    assert.equal(messages.length, 200);
    assert.equal(new Set(messages.map((m) => m.modseq)).size, 200, 'each add has its own modseq');
    const inbox = (await t.store.getMailboxById(alice.inbox.id)) as Mailbox;
    const bytes = bodies.reduce((sum, b) => sum + b.byteLength, 0);
    assert.equal(inbox.messages, 200);
    assert.equal(inbox.unseen, 200);
    assert.equal(inbox.uidNext, 201);
    assert.equal(inbox.size, bytes);
    assert.equal((await t.store.getAccount(bob.account.id))?.usedBytes, bytes);
    assert.equal((await t.store.stats()).blobs, 200);
    const batches = stats.batches - before.batches;
    const writes = stats.writes - before.writes;
    assert.equal(batches, 200);
    assert.ok(writes <= batches);
  });

  it('concurrent commits share one synchronous write (group commit)', async () => {
    const before = t.store.commitStats;
    // no body to write first, so all 100 reach the commit queue while the first write is in flight
    await Promise.all(Array.from({ length: 100 }, (_, i) => t.store.setFlags(alice.inbox.id, [i + 1], 'add', ['$Shared'])));
    const batches = t.store.commitStats.batches - before.batches;
    const writes = t.store.commitStats.writes - before.writes;
    assert.equal(batches, 100);
    assert.ok(writes <= 10, `100 commits in ${writes} sync writes`);
  });

  it('the same body delivered concurrently is stored once with an exact refcount', async () => {
    const content = body('same body everywhere');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.store.deliver({ recipients: [{ accountId: alice.account.id }], body: content })),
    );
    assert.equal(new Set(results.map((r) => r.blobId)).size, 1);
    assert.deepEqual((await t.store.fsck()).problems, []);
    const uids = results.map((r) => r.copies[0]?.uid ?? 0);
    await t.store.expunge(alice.inbox.id, uids.slice(0, 19));
    assert.ok(await t.store.readBody(results[0]?.blobId ?? ''));
    await t.store.expunge(alice.inbox.id, uids.slice(19));
    assert.equal(await t.store.readBody(results[0]?.blobId ?? ''), undefined);
  });

  it('a mix of flag changes, copies, moves and expunges keeps every counter exact', async () => {
    const archive = (await t.store.getMailbox(alice.account.id, 'Archive')) as Mailbox;
    const trash = (await t.store.getMailbox(alice.account.id, 'Trash')) as Mailbox;
    const work: Array<Promise<unknown>> = [];
    for (let uid = 1; uid <= 200; uid++) {
      if (uid % 4 === 0) work.push(t.store.setFlags(alice.inbox.id, [uid], 'add', ['\\Seen']));
      if (uid % 4 === 1) work.push(t.store.copyMessages(alice.inbox.id, [uid], archive.id));
      if (uid % 4 === 2) work.push(t.store.moveMessages(alice.inbox.id, [uid], trash.id));
      if (uid % 4 === 3) work.push(t.store.expunge(alice.inbox.id, [uid]));
      if (uid % 10 === 0) work.push(t.store.deliver({ recipients: [{ accountId: alice.account.id }], body: body(`late ${uid}`) }));
    }
    await Promise.all(work);
    const inbox = (await t.store.getMailboxById(alice.inbox.id)) as Mailbox;
    assert.equal(inbox.messages, 100 + 20);
    assert.equal(inbox.unseen, 100 - 50 + 20);
    assert.equal((await t.store.getMailboxById(archive.id))?.messages, 50);
    assert.equal((await t.store.getMailboxById(trash.id))?.messages, 50);
    assert.deepEqual((await t.store.fsck()).problems, []);
  });

  it('deleting a mailbox and an account while mail pours in leaves no strays', async () => {
    const busy = await t.store.createMailbox(alice.account.id, 'Busy');
    const appends = Array.from({ length: 60 }, (_, i) =>
      t.store.appendMessage(busy.id, body(`busy ${i}`)).then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      ),
    );
    // delete once some appends are through, while the rest are queued or committing
    const deleted = appends[20]?.then(() => t.store.deleteMailbox(alice.account.id, 'Busy'));
    const outcomes = await Promise.all(appends);
    await deleted;
    assert.ok(
      outcomes.every((o) => o === 'ok' || o === 'NOT_FOUND'),
      outcomes.join(),
    );
    assert.deepEqual(await t.store.listMessages(busy.id), []);

    const carol = await withAccount(t.store, 'carol@example.com');
    const deliveries = Array.from({ length: 60 }, (_, i) =>
      t.store.deliver({ recipients: [{ accountId: carol.account.id }], body: body(`carol ${i}`) }).then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      ),
    );
    const gone = deliveries[20]?.then(() => t.store.deleteAccount(carol.account.id));
    const results = await Promise.all(deliveries);
    await gone;
    assert.ok(
      results.every((o) => o === 'ok' || o === 'UNKNOWN_USER'),
      results.join(),
    );
    assert.deepEqual(await t.store.listMessages(carol.inbox.id), []);
    assert.deepEqual((await t.store.fsck()).problems, []);
  });

  it('fsck with repair while mail arrives leaves in-flight bodies alone', async () => {
    const deliveries = Array.from({ length: 60 }, (_, i) =>
      t.store.deliver({ recipients: [{ accountId: bob.account.id }], body: body(`during fsck ${i}`) }),
    );
    const reports = await Promise.all([1, 2, 3].map(() => t.store.fsck({ repair: true })));
    const results = await Promise.all(deliveries);
    for (const report of reports) assert.deepEqual(report.problems, [], 'bodies being written are not orphans');
    for (const result of results) assert.ok(await t.store.readBody(result.blobId), 'every delivered body is still there');
    assert.deepEqual((await t.store.fsck()).problems, []);
  });
});
