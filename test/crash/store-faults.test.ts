// A change that fails part-way (disk full, I/O error) leaves the store exactly
// as it was: same records, same body files, no temp files, no counted quota.
// Faults are injected at each disk step through the store's `faults` option.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../firmware/errors.ts';
import { type FaultStage, INLINE_BODY_LIMIT, scriptedFaults } from '../../firmware/store/index.ts';
import type { Account, Mailbox } from '../../firmware/store/types.ts';
import { body, snapshot, type TestStore, tempStore, withAccount } from '../unit/store/helpers.ts';

const STAGES: FaultStage[] = ['blob-write', 'blob-fsync', 'blob-rename', 'dir-fsync', 'db-batch'];

const code = (c: string) => (err: unknown) => isPochtaError(err) && err.code === c;

describe('injected faults leave the store as it was', () => {
  // one store for all the delivery cases (each case starts from where the last left off)
  const faults = scriptedFaults();
  let t: TestStore;
  let account: Account;
  let inbox: Mailbox;
  before(async () => {
    t = await tempStore({ faults });
    ({ account, inbox } = await withAccount(t.store));
    await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('first') });
  });
  after(() => t.cleanup());

  for (const stage of STAGES) {
    for (const [errno, expected] of [
      ['ENOSPC', 'DISK_FULL'],
      ['EIO', 'STORAGE_FAILURE'],
    ] as const) {
      it(`deliver failing at ${stage} with ${errno} answers ${expected}`, async () => {
        const before = await snapshot(t);
        const uidNext = (await t.store.getMailboxById(inbox.id))?.uidNext;
        // a body over the inline limit is a file: every stage of its write can fail
        const content = body(`fails at ${stage} ${errno}`, stage === 'db-batch' ? 0 : INLINE_BODY_LIMIT + 1);
        faults.failAt(stage, 1, errno);
        await assert.rejects(t.store.deliver({ recipients: [{ accountId: account.id }], body: content }), code(expected));
        assert.deepEqual(await readdir(path.join(t.dir, 'blobs', 'tmp')), [], 'no temp file left');
        assert.deepEqual(await snapshot(t), before, 'records and files unchanged');
        // and the store goes on working: the retry takes the UID the failed one would have
        const next = await t.store.deliver({ recipients: [{ accountId: account.id }], body: content });
        assert.equal(next.copies[0]?.uid, uidNext);
        assert.deepEqual((await t.store.fsck()).problems, []);
      });
    }
  }

  it('a failed expunge keeps messages, quota and the body file', async () => {
    const faults = scriptedFaults();
    const t = await tempStore({ faults });
    try {
      const { inbox } = await withAccount(t.store);
      await t.store.appendMessage(inbox.id, body('keep me'));
      const before = await snapshot(t);
      faults.failAt('db-batch', 1, 'EIO');
      await assert.rejects(t.store.expunge(inbox.id, [1]), code('STORAGE_FAILURE'));
      assert.deepEqual(await snapshot(t), before);
    } finally {
      await t.cleanup();
    }
  });

  it('failed copy, move, flag change, enqueue and account creation change nothing', async () => {
    const faults = scriptedFaults();
    const t = await tempStore({ faults });
    try {
      const { account, inbox } = await withAccount(t.store);
      await t.store.appendMessage(inbox.id, body('one'));
      await t.store.appendMessage(inbox.id, body('two'));
      const archive = (await t.store.getMailbox(account.id, 'Archive')) as Mailbox;
      const before = await snapshot(t);
      const attempts: Array<() => Promise<unknown>> = [
        () => t.store.copyMessages(inbox.id, [1, 2], archive.id),
        () => t.store.moveMessages(inbox.id, [1], archive.id),
        () => t.store.setFlags(inbox.id, [1, 2], 'add', ['\\Seen']),
        () => t.store.enqueue({ from: account.address, recipients: ['x@remote.example'], body: body('out') }),
        () => t.store.createAccount({ address: 'new@example.com', passwordHash: 'x' }),
        () => t.store.renameMailbox(account.id, 'Archive', 'Old'),
        () => t.store.deleteAccount(account.id),
      ];
      for (const attempt of attempts) {
        faults.failAt('db-batch', 1, 'ENOSPC');
        await assert.rejects(attempt(), code('DISK_FULL'));
      }
      assert.deepEqual(await snapshot(t), before);
    } finally {
      await t.cleanup();
    }
  });

  it('a failed group write fails every caller in it and leaves no state ahead of disk', async () => {
    const faults = scriptedFaults();
    const t = await tempStore({ faults });
    try {
      const { account, inbox } = await withAccount(t.store);
      faults.failAt('db-batch', 2, 'EIO');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`group ${i}`) })),
      );
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      const failed = outcomes.filter((o) => o.status === 'rejected');
      assert.ok(failed.length >= 1, 'the failed group reported its failure');
      assert.ok(failed.every((o) => code('STORAGE_FAILURE')(o.reason)));
      const messages = await t.store.listMessages(inbox.id);
      assert.equal(messages.length, ok.length, 'exactly the acknowledged deliveries are there');
      const acked = new Set(ok.map((o) => o.value.copies[0]?.uid));
      assert.deepEqual(new Set(messages.map((m) => m.uid)), acked);
      assert.deepEqual((await t.store.fsck()).problems, [], 'counters, refcounts and files agree');
      // counters were reloaded from disk: the next UID follows the highest committed one
      const box = (await t.store.getMailboxById(inbox.id)) as Mailbox;
      const next = await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('after') });
      assert.equal(next.copies[0]?.uid, box.uidNext);
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });
});
