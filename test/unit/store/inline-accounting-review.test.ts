// The space check's count of bytes waiting in the database for the mover
// (StoreCore.inlineBytes) through deliveries, expunges, hand-overs, a reopen
// and fsck's repair: it must equal the sum of the bodies kept in the
// database, never drift and never go negative (a negative count lets new
// bodies eat into the reserve that protects LevelDB; a count too high refuses
// mail early, for ever). The store is assembled here from its parts, as
// openStore does, to see the count itself.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { BlobFiles } from '../../../firmware/store/blob-files.ts';
import { BodyMover } from '../../../firmware/store/body-mover.ts';
import { CommitQueue } from '../../../firmware/store/commit-queue.ts';
import { StoreCore, storageError } from '../../../firmware/store/core.ts';
import { keys } from '../../../firmware/store/keys.ts';
import { LevelMailStore } from '../../../firmware/store/level-store.ts';
import { migrate } from '../../../firmware/store/migrations.ts';
import type { BlobRecord } from '../../../firmware/store/records.ts';
import { body, tempDir, withAccount } from './helpers.ts';

const quiet = { delayMs: 60_000, eagerCount: 1_000_000 } as const;

/** openStore's assembly, keeping the core in hand. Recovery and the inline count at open come from openStore itself (below). */
async function assemble(dir: string): Promise<{ store: LevelMailStore; core: StoreCore }> {
  // let openStore do the open-time work (recovery, the count of bodies left in the database), then take over its database
  const { openStore } = await import('../../../firmware/store/open.ts');
  const opened = await openStore({ dir, bodyMover: quiet });
  await opened.close();
  const db = new ClassicLevel<string, unknown>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  await db.open();
  const blobs = new BlobFiles(path.join(dir, 'blobs'));
  await migrate(db);
  await blobs.init();
  let core: StoreCore | undefined;
  const commits = new CommitQueue({ db, emit: (event) => core?.emit(event), onFailure: storageError });
  core = new StoreCore({ db, blobs, commits, now: Date.now, reserveBytes: 64 * 1024 * 1024 });
  const mover = new BodyMover(core, quiet);
  core.mover = mover;
  for await (const key of db.keys(keys.bodyDatas())) {
    const record = db.getSync(keys.blob(keys.bodyDataOf(key))) as BlobRecord | undefined;
    if (record?.inline) core.inlineBytes += record.size;
  }
  return { store: new LevelMailStore(core, dir, mover), core };
}

/** What the count should be: the sizes of the bodies whose records say database and whose bytes are there. */
async function expected(core: StoreCore): Promise<number> {
  let sum = 0;
  for (const [key, record] of await core.scan<BlobRecord>(keys.blobs())) {
    if (record.inline && core.readInlineBody(keys.blobOf(key)) !== undefined) sum += record.size;
  }
  return sum;
}

async function editDb(dir: string, edit: (db: ClassicLevel<string, unknown>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<string, unknown>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  await db.open();
  try {
    await edit(db);
  } finally {
    await db.close();
  }
}

describe('inline bytes accounting', () => {
  it('follows deliveries, copies, expunges and hand-overs exactly', async () => {
    const dir = await tempDir();
    let current: Awaited<ReturnType<typeof assemble>> | undefined;
    try {
      current = await assemble(dir);
      const { store, core } = current;
      const { account, inbox } = await withAccount(store);
      const trash = await store.createMailbox(account.id, 'Kept');
      const bodies = [0, 1, 2, 3].map((i) => body(`m${i}`, 1000 * (i + 1)));
      await Promise.all(bodies.map((b) => store.deliver({ recipients: [{ accountId: account.id }], body: b })));
      await store.deliver({ recipients: [{ accountId: account.id }], body: bodies[0]! });
      assert.equal(core.inlineBytes, await expected(core));
      await store.copyMessages(inbox.id, [1, 2], trash.id);
      await store.expunge(inbox.id, [1, 2, 3]);
      assert.equal(core.inlineBytes, await expected(core));
      await store.moveBodies();
      assert.equal(core.inlineBytes, 0);
      await store.deliver({ recipients: [{ accountId: account.id }], body: body('after', 500) });
      await store.expunge(trash.id, [1, 2]);
      assert.equal(core.inlineBytes, await expected(core));
      assert.equal(core.inlineBytes, body('after', 500).byteLength);
    } finally {
      await current?.store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stays exact when fsck's repair drops a body kept in the database that nothing refers to", async () => {
    const dir = await tempDir();
    let current: Awaited<ReturnType<typeof assemble>> | undefined;
    try {
      current = await assemble(dir);
      const { account, inbox } = await withAccount(current.store);
      await current.store.deliver({ recipients: [{ accountId: account.id }], body: body('orphaned', 20_000) });
      await current.store.close();
      // damage: the message record goes, its body stays (refs 1, bytes in the database)
      await editDb(dir, async (db) => {
        for await (const key of db.keys(keys.messages(inbox.id))) await db.del(key);
      });
      current = await assemble(dir);
      assert.equal(current.core.inlineBytes, 20_000);
      const report = await current.store.fsck({ repair: true });
      assert.ok(report.problems.some((p) => p.kind === 'blob-refcount'));
      assert.equal(await expected(current.core), 0);
      assert.equal(current.core.inlineBytes, 0, 'the count follows the repair');
    } finally {
      await current?.store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stays exact (never negative) when fsck's repair tells a record its bytes are in the database", async () => {
    const dir = await tempDir();
    let current: Awaited<ReturnType<typeof assemble>> | undefined;
    try {
      current = await assemble(dir);
      const { account } = await withAccount(current.store);
      const result = await current.store.deliver({ recipients: [{ accountId: account.id }], body: body('mislabelled', 20_000) });
      await current.store.close();
      // damage: the record says file, the bytes are only in the database
      await editDb(dir, async (db) => {
        const record = (await db.get(keys.blob(result.blobId))) as BlobRecord;
        const { inline: _gone, ...asFile } = record;
        await db.put(keys.blob(result.blobId), asFile);
      });
      current = await assemble(dir);
      const report = await current.store.fsck({ repair: true });
      assert.ok(report.problems.some((p) => p.kind === 'blob-record'));
      assert.equal(current.core.inlineBytes, await expected(current.core), 'the count follows the repair');
      await current.store.moveBodies();
      assert.equal(current.core.inlineBytes, 0, 'after the move nothing waits');
      assert.equal((await current.store.readBody(result.blobId))?.byteLength, 20_000);
      assert.deepEqual((await current.store.fsck()).problems, []);
    } finally {
      await current?.store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never drifts while deliveries, refusals and expunges of recurring bytes race eager passes', async () => {
    const dir = await tempDir();
    let current: Awaited<ReturnType<typeof assemble>> | undefined;
    try {
      current = await assemble(dir);
      const { store, core } = current;
      // passes after every body: the assembled mover is quiet, so moveBodies() runs beside the workers
      const { account, inbox } = await withAccount(store);
      const full = await withAccount(store, 'full@example.com', 10);
      const drafts = [0, 1, 2].map((i) => body(`draft ${i}`, 2000 + i));
      const live: number[] = [];
      let lowest = 0;
      await Promise.all([
        ...Array.from({ length: 3 }, async (_, worker) => {
          for (let n = 0; n < 40; n++) {
            const bytes = n % 3 === 0 ? body(`w${worker} n${n}`, 1000 + n) : drafts[(n + worker) % 3]!;
            const result = await store.deliver({ recipients: [{ accountId: account.id }], body: bytes });
            live.push(result.copies[0]?.uid ?? 0);
            if (n % 4 === 1) await store.appendMessage(full.inbox.id, drafts[n % 3]!).catch(() => undefined);
            if (n % 2 === 1) await store.expunge(inbox.id, live.splice(Math.floor(Math.random() * live.length), 1));
            lowest = Math.min(lowest, core.inlineBytes);
          }
        }),
        (async () => {
          for (let i = 0; i < 15; i++) {
            await store.moveBodies();
            lowest = Math.min(lowest, core.inlineBytes);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
      ]);
      assert.ok(lowest >= 0, `the count went down to ${lowest}`);
      assert.equal(core.inlineBytes, await expected(core));
      await store.moveBodies();
      assert.equal(core.inlineBytes, 0);
      assert.deepEqual((await store.fsck()).problems, []);
    } finally {
      await current?.store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
