// The search index in the real store: kept in step with the blobs through
// every change, candidates a superset of the exact matches, fsck finding and
// repairing damage, and the migration that builds it for existing messages.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { analyze, normalizeSearchText } from '../../../firmware/mime/index.ts';
import { keys, SCHEMA_KEY } from '../../../firmware/store/keys.ts';
import type { LevelMailStore } from '../../../firmware/store/level-store.ts';
import { UNINDEXED } from '../../../firmware/store/search-index.ts';
import type { Mailbox } from '../../../firmware/store/types.ts';
import { type TestStore, tempStore, withAccount } from './helpers.ts';

/** A deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function message(subject: string, text: string, extraHeaders = ''): Uint8Array {
  return Buffer.from(
    `From: a@example.org\r\nTo: b@example.com\r\nSubject: ${subject}\r\n${extraHeaders}\r\n${text.replace(/\n/g, '\r\n')}\r\n`,
  );
}

/** Raw records under a prefix range, read while the store is closed (LevelDB has one opener). */
async function withRawDb<T>(t: TestStore, fn: (db: ClassicLevel<string, unknown>) => Promise<T>): Promise<T> {
  await t.store.close();
  const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    return await fn(db);
  } finally {
    await db.close();
    await t.reopen();
  }
}

/** Blob hashes with a record, and hashes with a search index entry; they must be the same set. */
async function indexAgreement(t: TestStore): Promise<{ blobs: string[]; signatures: string[] }> {
  return withRawDb(t, async (db) => ({
    blobs: (await db.keys(keys.blobs()).all()).map(keys.blobOf),
    signatures: (await db.keys(keys.searchSignatures()).all()).map(keys.searchSignatureOf),
  }));
}

async function assertConsistent(t: TestStore, step: string): Promise<number> {
  const { blobs, signatures } = await indexAgreement(t);
  assert.deepEqual(signatures, blobs, `after ${step}: one index entry per body`);
  const report = await t.store.fsck();
  assert.deepEqual(report.problems, [], `after ${step}: fsck is clean`);
  return blobs.length;
}

const store = (t: TestStore): LevelMailStore => t.store;

describe('search index', () => {
  it('stays in step with the bodies through deliver, append, copy, move, expunge, queue, mailbox and account deletion', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { account, inbox } = await withAccount(t.store);
      const bob = await withAccount(t.store, 'bob@example.com');
      const shared = message('hello', 'a shared body about zeppelins');
      await store(t).deliver({
        recipients: [{ accountId: account.id }, { accountId: bob.account.id }],
        body: shared,
      });
      assert.equal(await assertConsistent(t, 'deliver to two'), 1);
      const appended = await store(t).appendMessage(inbox.id, message('appended', 'about walruses and gondolas'));
      assert.equal(await assertConsistent(t, 'append'), 2);
      const archive = (await store(t).getMailbox(account.id, 'Archive')) as Mailbox;
      await store(t).copyMessages(inbox.id, [1, appended.uid], archive.id);
      assert.equal(await assertConsistent(t, 'copy'), 2, 'a copy shares the body and its index entry');
      assert.deepEqual(await store(t).searchCandidates(archive.id, ['walrus']), [2]);
      await store(t).moveMessages(archive.id, [1], inbox.id);
      await assertConsistent(t, 'move');
      await store(t).expunge(inbox.id, [appended.uid]);
      assert.equal(await assertConsistent(t, 'expunge of one copy'), 2, 'the Archive copy keeps the body');
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['walrus']), []);
      await store(t).deleteMailbox(account.id, 'Archive');
      assert.equal(await assertConsistent(t, 'mailbox deletion'), 1, 'the last reference took the entry');
      const queued = await store(t).enqueue({ from: account.address, recipients: ['x@remote.example'], body: message('out', 'outbound') });
      assert.equal(await assertConsistent(t, 'enqueue'), 2);
      await store(t).removeQueueItem(queued.id);
      assert.equal(await assertConsistent(t, 'queue removal'), 1);
      await store(t).deleteAccount(account.id);
      assert.equal(await assertConsistent(t, 'account deletion'), 1, 'bob still has the shared body');
      assert.deepEqual(await store(t).searchCandidates(bob.inbox.id, ['zeppelin']), [1]);
      await store(t).deleteAccount(bob.account.id);
      assert.equal(await assertConsistent(t, 'last account deletion'), 0);
    } finally {
      await t.cleanup();
    }
  });

  it('gives a superset of the exact matches, and narrows (random texts, random terms)', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      const next = random(20261127);
      const syllables = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'Ré', 'ü', 'xo', 'pé', 'zz', 'Ω'];
      const word = () => {
        let w = '';
        const n = 1 + Math.floor(next() * 4);
        for (let i = 0; i < n; i++) w += syllables[Math.floor(next() * syllables.length)];
        return w;
      };
      const texts = new Map<number, string>();
      for (let i = 0; i < 60; i++) {
        const words = Array.from({ length: 5 + Math.floor(next() * 60) }, word);
        const breaks = words.map((w) => (next() < 0.1 ? `${w}\n` : `${w} `)).join('');
        const meta = await store(t).appendMessage(inbox.id, message(word(), breaks));
        const info = await store(t).getBodyInfo(meta.blobId);
        assert.ok(info?.text !== undefined);
        texts.set(meta.uid, info.text);
      }
      let narrowed = 0;
      for (let q = 0; q < 300; q++) {
        const terms = Array.from({ length: 1 + Math.floor(next() * 2) }, () => {
          if (next() < 0.5) return normalizeSearchText(word());
          // a substring of some message's text, across word boundaries too
          const text = [...texts.values()][Math.floor(next() * texts.size)] as string;
          const start = Math.floor(next() * Math.max(1, text.length - 12));
          return text.slice(start, start + 3 + Math.floor(next() * 10));
        });
        const candidates = await store(t).searchCandidates(inbox.id, terms);
        const exact = [...texts].filter(([, text]) => terms.every((term) => text.includes(term))).map(([uid]) => uid);
        if (terms.every((term) => term.length < 3)) {
          assert.equal(candidates, undefined, 'no term long enough: no narrowing');
          continue;
        }
        assert.ok(candidates !== undefined);
        const set = new Set(candidates);
        for (const uid of exact) assert.ok(set.has(uid), `uid ${uid} matches ${JSON.stringify(terms)} but is not a candidate`);
        if (candidates.length < texts.size) narrowed += 1;
      }
      assert.ok(narrowed > 100, `the index narrowed only ${narrowed} of 300 queries`);
    } finally {
      await t.cleanup();
    }
  });

  it('lists bodies it could not index (truncated text, no analyzer) for every query', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b, { maxTextChars: 40 }) });
    try {
      const { inbox } = await withAccount(t.store);
      await store(t).appendMessage(inbox.id, message('short', 'x'.repeat(200)));
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['needle']), [1], 'cut text: cannot rule it out');
      await t.reopen({ analyze: undefined });
      await store(t).appendMessage(inbox.id, message('raw', 'not analysed at all'));
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['needle']), [1, 2]);
      assert.equal(await store(t).searchCandidates(inbox.id, ['ne', 'x']), undefined);
      assert.deepEqual(await store(t).searchCandidates('no-such-mailbox', ['needle']), []);
      assert.deepEqual((await store(t).fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('fsck finds a missing, a damaged and an orphan entry, and repair rebuilds them', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      const a = await store(t).appendMessage(inbox.id, message('one', 'the albatross flies'));
      const b = await store(t).appendMessage(inbox.id, message('two', 'the pelican dives'));
      await withRawDb(t, async (db) => {
        await db.del(keys.searchSignature(a.blobId));
        // a filter with every bit clear (format "2:"): rules everything out
        await db.put(keys.searchSignature(b.blobId), `2:${Buffer.alloc(48).toString('base64')}`);
        await db.put(keys.searchSignature('ab'.repeat(32)), UNINDEXED);
      });
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['pelican']), [1], 'the damage is visible before repair');
      const found = await store(t).fsck();
      assert.deepEqual(
        found.problems.map((p) => [p.kind, p.repaired]),
        [
          ['search-index', false],
          ['search-index', false],
          ['search-index', false],
        ],
      );
      const repaired = await store(t).fsck({ repair: true });
      assert.equal(repaired.problems.length, 3);
      assert.ok(repaired.problems.every((p) => p.repaired));
      assert.deepEqual((await store(t).fsck()).problems, []);
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['pelican']), [2]);
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['albatross']), [1]);
      const { blobs, signatures } = await indexAgreement(t);
      assert.deepEqual(signatures, blobs);
    } finally {
      await t.cleanup();
    }
  });

  it('keeps the text apart from the structure: getBodyInfo with and without it', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      const meta = await store(t).appendMessage(inbox.id, message('apart', 'the text of a lighthouse'));
      const full = await store(t).getBodyInfo(meta.blobId);
      const lean = await store(t).getBodyInfo(meta.blobId, { text: false });
      assert.ok(full?.text?.includes('lighthouse'));
      assert.ok(full !== undefined);
      assert.ok(lean?.structure !== undefined);
      assert.equal(lean.text, undefined);
      assert.deepEqual(full.structure, lean.structure);
      assert.deepEqual(await store(t).getBodyInfos([meta.blobId, 'ab'.repeat(32), 'not-a-hash'], { text: false }), [
        lean,
        undefined,
        undefined,
      ]);
      assert.deepEqual(await store(t).getBodyInfos([meta.blobId]), [full]);
      const raw = await withRawDb(t, async (db) => ({
        info: await db.get(keys.bodyInfo(meta.blobId)),
        text: await db.get(keys.bodyText(meta.blobId)),
      }));
      assert.equal((raw.info as { text?: unknown }).text, undefined, 'the structure record holds no text');
      assert.equal(raw.text, full.text);
      await store(t).expunge(inbox.id, [meta.uid]);
      const gone = await withRawDb(t, async (db) => db.get(keys.bodyText(meta.blobId)));
      assert.equal(gone, undefined, 'the text goes with the last reference');
    } finally {
      await t.cleanup();
    }
  });

  it('the schema migrations build the index and split the text for messages stored before them', async () => {
    const t = await tempStore({ analyze: (b) => analyze(b) });
    try {
      const { inbox } = await withAccount(t.store);
      for (const [i, animal] of ['otter', 'badger', 'heron'].entries()) {
        await store(t).appendMessage(inbox.id, message(`m${i}`, `a note about the ${animal}`));
      }
      // turn the store back into a version-1 store: the text inside the BodyInfo, no index entries, schema 1
      await t.store.close();
      const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
      for (const key of await db.keys(keys.searchSignatures()).all()) await db.del(key);
      for (const [key, text] of await db.iterator(keys.bodyTexts()).all()) {
        const hash = keys.bodyTextOf(key);
        await db.put(keys.bodyInfo(hash), { ...((await db.get(keys.bodyInfo(hash))) as object), text });
        await db.del(key);
      }
      await db.put(SCHEMA_KEY, 1);
      await db.close();
      await t.reopen();
      const { blobs, signatures } = await indexAgreement(t);
      assert.equal(blobs.length, 3);
      assert.deepEqual(signatures, blobs);
      assert.deepEqual(await store(t).searchCandidates(inbox.id, ['badger']), [2]);
      assert.deepEqual((await store(t).fsck()).problems, []);
      const [, second] = await store(t).listMessages(inbox.id);
      assert.ok((await store(t).getBodyInfo(second!.blobId))?.text?.includes('badger'));
      assert.equal((await store(t).getBodyInfo(second!.blobId, { text: false }))?.text, undefined);
      const texts = await withRawDb(t, async (db) => (await db.keys(keys.bodyTexts()).all()).length);
      assert.equal(texts, 3, 'the texts moved to their own records');
    } finally {
      await t.cleanup();
    }
  });
});
