// Where bodies are kept: up to INLINE_BODY_LIMIT bytes in the database, in the
// batch of the change that brings them (so they share its fsync); larger ones
// as files. Both read back the same, are stored once, and go with their last
// reference.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { signatureOf } from '../../../firmware/store/helpers.ts';
import { INLINE_BODY_LIMIT, isInlineBody } from '../../../firmware/store/index.ts';
import { body, tempStore, withAccount } from './helpers.ts';

async function bodyFiles(dir: string): Promise<number> {
  let n = 0;
  for (const sub of await readdir(path.join(dir, 'blobs'))) {
    if (sub !== 'tmp') n += (await readdir(path.join(dir, 'blobs', sub))).length;
  }
  return n;
}

describe('body placement', () => {
  it('keeps a body of up to the limit in the database and a larger one in a file', async () => {
    const t = await tempStore();
    try {
      const { account, inbox } = await withAccount(t.store);
      const atLimit = body('at the limit', INLINE_BODY_LIMIT);
      const over = body('one byte over', INLINE_BODY_LIMIT + 1);
      assert.equal(isInlineBody(atLimit.byteLength), true);
      assert.equal(isInlineBody(over.byteLength), false);
      const a = await t.store.deliver({ recipients: [{ accountId: account.id }], body: atLimit });
      const b = await t.store.deliver({ recipients: [{ accountId: account.id }], body: over });
      assert.equal(existsSync(t.store.blobPath(a.blobId)), false);
      assert.equal(existsSync(t.store.blobPath(b.blobId)), true);
      assert.equal(await bodyFiles(t.dir), 1);
      for (const [id, bytes] of [
        [a.blobId, atLimit],
        [b.blobId, over],
      ] as const) {
        assert.deepEqual(Buffer.from((await t.store.readBody(id)) ?? []), Buffer.from(bytes));
        assert.deepEqual(Buffer.from((await t.store.readBody(id, 6, 12)) ?? []), Buffer.from(bytes.subarray(6, 12)));
        assert.deepEqual(Buffer.from((await t.store.readBody(id, bytes.length - 3, bytes.length + 10)) ?? []), Buffer.from('xxx'));
      }
      // the bytes survive a reopen (they were in the synchronous batch)
      const reopened = await t.reopen();
      assert.deepEqual(Buffer.from((await reopened.readBody(a.blobId)) ?? []), Buffer.from(atLimit));
      assert.deepEqual((await reopened.fsck()).problems, []);
      assert.equal((await reopened.stats()).blobs, 2);
      await reopened.expunge(inbox.id, [1, 2]);
      assert.equal(await reopened.readBody(a.blobId), undefined);
      assert.equal(await reopened.readBody(b.blobId), undefined);
      assert.equal(await bodyFiles(t.dir), 0);
      assert.deepEqual((await reopened.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('stores a small body delivered many times at once only once, and keeps it while any copy is left', async () => {
    const t = await tempStore();
    try {
      const { account, inbox } = await withAccount(t.store);
      const same = body('the same newsletter', 5000);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.store.deliver({ recipients: [{ accountId: account.id }], body: same })),
      );
      assert.equal(new Set(results.map((r) => r.blobId)).size, 1);
      assert.equal((await t.store.stats()).blobs, 1);
      assert.equal((await t.store.getMailboxById(inbox.id))?.messages, 20);
      await t.store.expunge(
        inbox.id,
        Array.from({ length: 19 }, (_, i) => i + 1),
      );
      assert.deepEqual(Buffer.from((await t.store.readBody(results[0]?.blobId ?? '')) ?? []), Buffer.from(same));
      await t.store.expunge(inbox.id, [20]);
      assert.equal(await t.store.readBody(results[0]?.blobId ?? ''), undefined);
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('keeps a body deleted and delivered again between the mover writing its file and handing it over', async () => {
    let interleave: (() => Promise<void>) | undefined;
    const t = await tempStore({
      bodyMover: { delayMs: 60_000, eagerCount: 1_000_000, beforeHandOver: () => interleave?.() ?? Promise.resolve() },
    });
    try {
      const { account, inbox } = await withAccount(t.store);
      const draft = body('the same draft, saved twice', 4000);
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      let again: number | undefined;
      interleave = async () => {
        interleave = undefined;
        // the file is written and durable; now the message goes and the same bytes come back
        await t.store.expunge(inbox.id, [1]);
        again = (await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft })).copies[0]?.uid;
      };
      await t.store.moveBodies();
      assert.equal(again, 2);
      const [message] = await t.store.listMessages(inbox.id);
      assert.deepEqual(Buffer.from((await t.store.readBody(message?.blobId ?? '')) ?? []), Buffer.from(draft));
      assert.deepEqual((await t.store.fsck()).problems, []);
      const reopened = await t.reopen();
      assert.deepEqual(Buffer.from((await reopened.readBody(message?.blobId ?? '')) ?? []), Buffer.from(draft));
    } finally {
      await t.cleanup();
    }
  });

  it('keeps every body while the same bytes are deleted and delivered again as they move to their files', async () => {
    // the same few bodies (a draft saved again and again) delivered, expunged
    // and delivered again while passes of the mover run: whatever the
    // interleaving, every message left must read back whole
    const t = await tempStore({ bodyMover: { delayMs: 1, eagerCount: 1 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const drafts = [0, 1, 2].map((i) => body(`draft ${i}`, 3000 + i));
      const live: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (let n = 0; n < 60; n++) {
            const result = await t.store.deliver({ recipients: [{ accountId: account.id }], body: drafts[(n + worker) % 3]! });
            live.push(result.copies[0]?.uid ?? 0);
            if (n % 2 === 1) await t.store.expunge(inbox.id, live.splice(Math.floor(Math.random() * live.length), 1));
            if (n % 7 === 0) await t.store.moveBodies();
          }
        }),
      );
      await t.store.moveBodies();
      const messages = await t.store.listMessages(inbox.id);
      assert.deepEqual(
        messages.map((m) => m.uid).sort((a, b) => a - b),
        [...live].sort((a, b) => a - b),
      );
      for (const m of messages) assert.equal((await t.store.readBody(m.blobId))?.byteLength, m.size, `body of UID ${m.uid}`);
      assert.deepEqual((await t.store.fsck()).problems, []);
      // and after a reopen, from the files alone
      const reopened = await t.reopen();
      for (const m of messages) assert.equal((await reopened.readBody(m.blobId))?.byteLength, m.size);
      assert.deepEqual((await reopened.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('takes the analysis a listener made on its own thread instead of analyzing again', async () => {
    let analyzed = 0;
    const t = await tempStore({
      analyze: (b) => {
        analyzed++;
        return { text: Buffer.from(b).toString('latin1') };
      },
    });
    try {
      const { account } = await withAccount(t.store);
      const given = { text: 'what the listener found' };
      const result = await t.store.deliver({
        recipients: [{ accountId: account.id }],
        body: body('analyzed elsewhere'),
        analysis: { info: given, signature: signatureOf(given) },
      });
      assert.equal(analyzed, 0, 'the store did not parse the body');
      assert.deepEqual(await t.store.getBodyInfo(result.blobId), given);
      assert.deepEqual((await t.store.fsck()).problems, [], 'the signature fits the text');
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('analyzed here') });
      assert.equal(analyzed, 1, 'without one, the store analyzes');
    } finally {
      await t.cleanup();
    }
  });

  it('shares one synchronous write among concurrent deliveries of different bodies', async () => {
    const t = await tempStore();
    try {
      const { account } = await withAccount(t.store);
      const before = t.store.commitStats;
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`message ${i}`, 10_240) }),
        ),
      );
      const after = t.store.commitStats;
      const batches = after.batches - before.batches;
      const writes = after.writes - before.writes;
      assert.equal(batches, 50);
      assert.ok(writes < 25, `50 deliveries in ${writes} synchronous writes`);
      assert.equal(await bodyFiles(t.dir), 0, 'no body file, so no per-body fsync');
    } finally {
      await t.cleanup();
    }
  });
});
