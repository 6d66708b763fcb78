// Injected disk faults at each step of a body mover pass: the file write
// (ENOSPC, EIO), the rename, the sync, the hand-over batch. A failed pass
// leaves every body in the database, readable, with no temp file and no
// wrong count; the next pass moves them all.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MessageContent } from '../../firmware/imap/message-content.ts';
import { type FaultStage, scriptedFaults } from '../../firmware/store/index.ts';
import { body, tempStore, withAccount } from '../unit/store/helpers.ts';

const quiet = { delayMs: 60_000, eagerCount: 1_000_000, retryMs: 60_000 } as const;

describe('mover faults', () => {
  for (const [stage, nth, code] of [
    ['blob-write', 2, 'ENOSPC'],
    ['blob-rename', 1, 'EIO'],
    ['blob-fsync', 1, 'EIO'],
    ['db-batch', 1, 'EIO'],
  ] as Array<[FaultStage, number, string]>) {
    it(`a pass failing at ${stage} (${code}) keeps every body and the next pass moves them`, async () => {
      const faults = scriptedFaults();
      const t = await tempStore({ faults, bodyMover: quiet });
      try {
        const { account, inbox } = await withAccount(t.store);
        const bodies = [0, 1, 2, 3, 4].map((i) => body(`m${i}`, 2000 + i * 100));
        for (const b of bodies) await t.store.deliver({ recipients: [{ accountId: account.id }], body: b });
        faults.failAt(stage, nth, code);
        await assert.rejects(t.store.moveBodies());
        const content = new MessageContent(t.store);
        const messages = await t.store.listMessages(inbox.id);
        for (const m of messages)
          assert.deepEqual(await content.read(m, 0, m.size), Buffer.from(bodies[m.uid - 1]!), `UID ${m.uid} after the failed pass`);
        assert.deepEqual(await readdir(path.join(t.dir, 'blobs', 'tmp')), [], 'no temp file left');
        assert.deepEqual((await t.store.fsck()).problems, []);
        // mail still flows, and the next pass moves everything
        await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('after the fault', 2500) });
        await t.store.moveBodies();
        for (const m of await t.store.listMessages(inbox.id)) {
          assert.equal(existsSync(t.store.blobPath(m.blobId)), true, `UID ${m.uid} moved`);
          assert.equal((await content.read(m, 0, m.size)).length, m.size);
        }
        assert.deepEqual((await t.store.fsck()).problems, []);
      } finally {
        await t.cleanup();
      }
    });
  }

  it('a body deleted after a failed pass wrote its file leaves no orphan file', async () => {
    const faults = scriptedFaults();
    const t = await tempStore({ faults, bodyMover: quiet });
    try {
      const { account, inbox } = await withAccount(t.store);
      const delivered = await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('written, never handed over', 3000) });
      faults.failAt('db-batch', 1, 'EIO'); // the hand-over batch fails: the file stays, the body stays the database's
      await assert.rejects(t.store.moveBodies());
      assert.equal(existsSync(t.store.blobPath(delivered.blobId)), true);
      await t.store.expunge(inbox.id, [1]);
      assert.equal(existsSync(t.store.blobPath(delivered.blobId)), false, 'the file went with the body');
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });
});
