// The top-level header records (bhead:<sha256>): written with a new body when
// the analyzer gives BodyInfo.head, returned packed by getBodyHeads, gone with
// the last reference, left out of getBodyInfo, and built by schema 5 for bodies
// stored before it (from the first 16 KB of each blob).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { analyze } from '../../../firmware/mime/index.ts';
import { keys, SCHEMA_KEY } from '../../../firmware/store/keys.ts';
import type { BodyHeads } from '../../../firmware/store/types.ts';
import { type TestStore, tempStore, withAccount } from './helpers.ts';

const SHORT = Buffer.from('From: a@example.org\r\nSubject: short\r\n\r\nhello\r\n');
// the header ends with a blank line well inside the first 16 KB, the body is longer than that
const LONG_BODY = Buffer.from(`Subject: long body\r\nFrom: b@example.org\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(400));
// the header ends past 16 KB: never kept
const LONG_HEADER = Buffer.from(`Subject: h\r\n${'X-Pad: '.padEnd(78, 'p')}\r\n`.repeat(250) + '\r\nbody\r\n');

function headsOf(heads: BodyHeads): string[] {
  return Array.from({ length: heads.offsets.length - 1 }, (_, i) =>
    Buffer.from(heads.bytes.subarray(heads.offsets[i]!, heads.offsets[i + 1]!)).toString('latin1'),
  );
}

function headerOf(body: Buffer): string {
  const text = body.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n') + 4);
}

async function rawDb<T>(t: TestStore, fn: (db: ClassicLevel<string, unknown>) => Promise<T>): Promise<T> {
  await t.store.close();
  const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('kept top-level headers', () => {
  it('are stored at delivery, read in one call, and go with the last reference', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      const metas = [];
      for (const b of [SHORT, LONG_BODY, LONG_HEADER]) metas.push(await t.store.appendMessage(inbox.id, b));
      const ids = metas.map((m) => m.blobId);
      assert.deepEqual(headsOf(await t.store.getBodyHeads([...ids, 'not-a-blob'])), [headerOf(SHORT), headerOf(LONG_BODY), '', '']);
      assert.equal((await t.store.getBodyInfo(ids[0]!, { text: false }))?.head, undefined, 'not in the structure record');
      assert.deepEqual((await t.store.fsck()).problems, []);
      await t.store.expunge(inbox.id, [metas[0]!.uid]);
      assert.deepEqual(headsOf(await t.store.getBodyHeads([ids[0]!])), ['']);
      const left = await rawDb(t, async (db) => (await db.keys(keys.bodyHeads()).all()).map(keys.bodyHeadOf));
      assert.deepEqual(left, [ids[1]!]);
    } finally {
      await t.cleanup();
    }
  });

  it('are not kept without an analyzer', async () => {
    const t = await tempStore();
    try {
      const { inbox } = await withAccount(t.store);
      const meta = await t.store.appendMessage(inbox.id, SHORT);
      assert.deepEqual(headsOf(await t.store.getBodyHeads([meta.blobId])), ['']);
    } finally {
      await t.cleanup();
    }
  });

  it('schema 5 builds them for bodies stored before it, as delivery would', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      const ids = [];
      for (const b of [SHORT, LONG_BODY, LONG_HEADER]) ids.push((await t.store.appendMessage(inbox.id, b)).blobId);
      const atDelivery = headsOf(await t.store.getBodyHeads(ids));
      await rawDb(t, async (db) => {
        for (const key of await db.keys(keys.bodyHeads()).all()) await db.put(key, 'a record of schema 4, by another rule');
        await db.put(SCHEMA_KEY, 4);
      });
      const store = await t.reopen();
      assert.deepEqual(headsOf(await store.getBodyHeads(ids)), atDelivery);
      assert.deepEqual((await store.fsck()).problems, []);
      // without an analyzer the migration keeps nothing, and the store still opens
      await rawDb(t, async (db) => {
        for (const key of await db.keys(keys.bodyHeads()).all()) await db.del(key);
        await db.put(SCHEMA_KEY, 3);
      });
      const bare = await t.reopen({ analyze: undefined });
      assert.deepEqual(headsOf(await bare.getBodyHeads(ids)), ['', '', '']);
    } finally {
      await t.cleanup();
    }
  });
});
