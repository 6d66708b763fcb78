// What runs beside a pass of the body mover: fsck (no false alarms about
// files written and not yet handed over), a backup (the copy restores with
// every body whole, whichever home each body had at its snapshot), and
// readers outside the store (IMAP and POP3 read the file first and the store
// for a small body with no file yet): they must never see a wrong or empty body.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MessageContent } from '../../../firmware/imap/message-content.ts';
import { openMessageBody } from '../../../firmware/pop3/message-body.ts';
import { openStore, restoreBackup } from '../../../firmware/store/index.ts';
import { body, tempDir, tempStore, withAccount } from './helpers.ts';

const quiet = { delayMs: 60_000, eagerCount: 1_000_000 } as const;

describe('beside the body mover', () => {
  it('fsck finds nothing wrong while a pass holds written files, for live bodies and ones deleted meanwhile', async () => {
    let interleave: (() => Promise<void>) | undefined;
    const t = await tempStore({ bodyMover: { ...quiet, beforeHandOver: () => interleave?.() ?? Promise.resolve() } });
    try {
      const { account, inbox } = await withAccount(t.store);
      for (let i = 0; i < 4; i++) await t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`m${i}`, 3000 + i) });
      let report: Awaited<ReturnType<typeof t.store.fsck>> | undefined;
      interleave = async () => {
        interleave = undefined;
        await t.store.expunge(inbox.id, [2]);
        report = await t.store.fsck();
      };
      await t.store.moveBodies();
      assert.deepEqual(report?.problems, []);
      assert.deepEqual((await t.store.fsck()).problems, [], 'and none after: the deleted body left no file');
    } finally {
      await t.cleanup();
    }
  });

  it('a backup taken during a pass restores with every body whole', async () => {
    let interleave: (() => Promise<void>) | undefined;
    const t = await tempStore({ bodyMover: { ...quiet, beforeHandOver: () => interleave?.() ?? Promise.resolve() } });
    const backupDir = await tempDir('pochta-backup-');
    const restoreDir = await tempDir('pochta-restore-');
    try {
      const { account, inbox } = await withAccount(t.store);
      const bodies = [0, 1, 2, 3].map((i) => body(`m${i}`, 3000 + i));
      for (const b of bodies) await t.store.deliver({ recipients: [{ accountId: account.id }], body: b });
      await t.store.moveBodies(); // the first two passes' worth are files...
      const later = [4, 5].map((i) => body(`m${i}`, 3000 + i));
      for (const b of later) await t.store.deliver({ recipients: [{ accountId: account.id }], body: b });
      let backingUp: Promise<unknown> | undefined;
      interleave = async () => {
        interleave = undefined;
        // ...the last two have files written and are still the database's; one of the files goes meanwhile
        await t.store.expunge(inbox.id, [1]);
        backingUp = t.store.backup(backupDir); // not awaited: the hand-over runs while it copies
      };
      await t.store.moveBodies();
      await backingUp;
      await t.store.expunge(inbox.id, [2, 5]); // after the backup: the backup still has them
      await rm(restoreDir, { recursive: true, force: true });
      await restoreBackup(backupDir, restoreDir);
      const restored = await openStore({ dir: restoreDir, bodyMover: quiet });
      try {
        const messages = await restored.listMessages(inbox.id);
        assert.deepEqual(
          messages.map((m) => m.uid),
          [2, 3, 4, 5, 6],
        );
        const all = [...bodies, ...later];
        for (const m of messages) {
          const want = Buffer.from(all[m.uid - 1]!);
          assert.deepEqual(Buffer.from((await restored.readBody(m.blobId)) ?? []), want, `UID ${m.uid} from the store`);
          assert.deepEqual(await new MessageContent(restored).read(m, 0, m.size), want, `UID ${m.uid} as IMAP reads it`);
        }
        assert.deepEqual((await restored.fsck()).problems, []);
        await restored.moveBodies();
        for (const m of messages) assert.deepEqual(await new MessageContent(restored).read(m, 0, m.size), Buffer.from(all[m.uid - 1]!));
        assert.deepEqual((await restored.fsck()).problems, []);
      } finally {
        await restored.close();
      }
    } finally {
      await t.cleanup();
      await rm(backupDir, { recursive: true, force: true });
      await rm(restoreDir, { recursive: true, force: true });
    }
  });

  it('IMAP and POP3 readers racing the mover always read the whole body', async () => {
    // every new body starts a pass at once: files appear and database copies go while the readers read
    const t = await tempStore({ bodyMover: { delayMs: 0, eagerCount: 1 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const content = new MessageContent(t.store);
      const bytesOf = new Map<string, Buffer>();
      let reads = 0;
      await Promise.all(
        Array.from({ length: 3 }, async (_, worker) => {
          for (let n = 0; n < 25; n++) {
            const bytes = body(`w${worker} n${n}`, 1500 + ((n * 37 + worker * 11) % 9000));
            const result = await t.store.deliver({ recipients: [{ accountId: account.id }], body: bytes });
            bytesOf.set(result.blobId, Buffer.from(bytes));
            const [meta] = await t.store.listMessages(inbox.id, { from: result.copies[0]?.uid, to: result.copies[0]?.uid });
            assert.ok(meta);
            for (let r = 0; r < 4; r++) {
              assert.deepEqual(await content.read(meta, 0, meta.size), Buffer.from(bytes), `IMAP read of UID ${meta.uid}`);
              const pop3 = await openMessageBody(t.store, {
                number: 1,
                uid: meta.uid,
                blobId: meta.blobId,
                size: meta.size,
                deleted: false,
                gone: false,
              });
              const sent = pop3.whole ?? Buffer.alloc(0);
              assert.ok(sent.length >= bytes.length, `POP3 read of UID ${meta.uid}`);
              reads += 1;
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        }),
      );
      assert.equal(reads, 300);
      await t.store.moveBodies();
      for (const m of await t.store.listMessages(inbox.id)) {
        assert.deepEqual(await content.read(m, 0, m.size), bytesOf.get(m.blobId));
      }
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });
});
