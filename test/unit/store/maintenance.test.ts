// fsck finding and repairing deliberate corruption, recovery after an unclean
// shutdown, backup while in use and restore, schema versions.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { isPochtaError } from '../../../firmware/errors.ts';
import { INLINE_BODY_LIMIT, openStore, restoreBackup } from '../../../firmware/store/index.ts';
import { keys, OPEN_MARKER_KEY, SCHEMA_KEY } from '../../../firmware/store/keys.ts';
import { MIGRATIONS } from '../../../firmware/store/migrations.ts';
import type { Mailbox } from '../../../firmware/store/types.ts';
import { body, type TestStore, tempDir, tempStore, withAccount } from './helpers.ts';

const code = (c: string) => (err: unknown) => isPochtaError(err) && err.code === c;

/** Edit raw records while the store is closed (LevelDB has one opener). */
async function tamper(t: TestStore, edit: (db: ClassicLevel<string, unknown>) => Promise<void>): Promise<void> {
  await t.store.close();
  const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  await edit(db);
  await db.close();
  await t.reopen();
}

const FAKE_HASH = 'ab'.repeat(32);

describe('fsck', () => {
  it('finds nothing wrong in a healthy store', async () => {
    const t = await tempStore();
    try {
      const { account, inbox } = await withAccount(t.store);
      await t.store.appendMessage(inbox.id, body('healthy'));
      await t.store.enqueue({ from: account.address, recipients: ['x@remote.example'], body: body('queued') });
      const report = await t.store.fsck();
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.checked, { accounts: 1, mailboxes: 6, messages: 1, blobs: 2 });
    } finally {
      await t.cleanup();
    }
  });

  it('detects and repairs wrong counters, refcounts, quota sums, indexes and stray files', async () => {
    const t = await tempStore();
    try {
      const { account, inbox } = await withAccount(t.store);
      const kept = await t.store.appendMessage(inbox.id, body('kept', 500), { flags: ['\\Seen'] });
      // over the inline limit: a file
      const lost = await t.store.appendMessage(inbox.id, body('lost body', INLINE_BODY_LIMIT + 700));
      const junk = (await t.store.getMailbox(account.id, 'Junk')) as Mailbox;
      await t.store.appendMessage(junk.id, body('in junk'));
      // kept in the database
      const lostInline = await t.store.appendMessage(junk.id, body('lost inline body', 900));
      await tamper(t, async (db) => {
        const box = (await db.get(keys.mailbox(inbox.id))) as Mailbox;
        await db.put(keys.mailbox(inbox.id), { ...box, messages: 7, unseen: 0, size: 1 });
        await db.put(keys.blob(kept.blobId), { refs: 5, size: kept.size, createdAt: 0 });
        const acc = (await db.get(keys.account(account.id))) as object;
        await db.put(keys.account(account.id), { ...acc, usedBytes: 123 });
        await db.del(keys.address('alice@example.com'));
        // a message whose mailbox vanished
        await db.put(keys.message('deadbeefdeadbeef', 1), { ...kept, mailboxId: 'deadbeefdeadbeef' });
        await db.put(keys.bodyInfo(FAKE_HASH), { text: 'no body' });
        await db.del(keys.bodyData(lostInline.blobId));
        await db.put(keys.bodyData(FAKE_HASH), 'bytes nothing refers to');
      });
      await mkdir(path.join(t.dir, 'blobs', 'ab'), { recursive: true });
      await writeFile(path.join(t.dir, 'blobs', 'ab', FAKE_HASH), 'orphan');
      await writeFile(path.join(t.dir, 'blobs', 'tmp', 'leftover.tmp'), 'half a body');
      await unlink(t.store.blobPath(lost.blobId));

      const report = await t.store.fsck();
      const kinds = report.problems.map((p) => p.kind).sort();
      for (const kind of [
        'mailbox-count',
        'blob-refcount',
        'quota-sum',
        'address-index',
        'orphan-message',
        'orphan-body-info',
        'orphan-blob',
        'temp-file',
        'missing-blob',
      ]) {
        assert.ok(kinds.includes(kind), `reports ${kind}: ${kinds.join(', ')}`);
      }
      assert.ok(
        report.problems.every((p) => !p.repaired),
        'a check alone repairs nothing',
      );

      const repair = await t.store.fsck({ repair: true });
      assert.ok(repair.problems.filter((p) => p.kind !== 'missing-blob').every((p) => p.repaired));
      const after = await t.store.fsck();
      assert.deepEqual(
        after.problems.map((p) => p.kind),
        ['missing-blob', 'missing-blob'],
        'only lost bodies (a file, bytes in the database) cannot be repaired',
      );
      const box = (await t.store.getMailboxById(inbox.id)) as Mailbox;
      assert.deepEqual([box.messages, box.unseen, box.size], [2, 1, kept.size + lost.size]);
      assert.equal((await t.store.findAccount('alice@example.com'))?.id, account.id);
      assert.equal(
        (await t.store.getAccount(account.id))?.usedBytes,
        kept.size + lost.size + ((await t.store.getMailboxById(junk.id))?.size ?? 0),
      );
      assert.equal(existsSync(path.join(t.dir, 'blobs', 'ab', FAKE_HASH)), false);
      assert.equal(existsSync(path.join(t.dir, 'blobs', 'tmp', 'leftover.tmp')), false);
      assert.equal(await t.store.readBody(FAKE_HASH), undefined, 'orphan bytes in the database removed');
    } finally {
      await t.cleanup();
    }
  });

  it('after an unclean shutdown, open removes bodies that never got committed', async () => {
    const t = await tempStore();
    try {
      const { inbox } = await withAccount(t.store);
      const message = await t.store.appendMessage(inbox.id, body('committed'));
      const large = await t.store.appendMessage(inbox.id, body('committed file', INLINE_BODY_LIMIT + 1));
      await tamper(t, async (db) => {
        await db.put(OPEN_MARKER_KEY, 1); // as if the last process had been killed
      });
      // reopen happened inside tamper; do it again with the orphan in place
      await mkdir(path.join(t.dir, 'blobs', 'ab'), { recursive: true });
      await writeFile(path.join(t.dir, 'blobs', 'ab', FAKE_HASH), 'never committed');
      await tamper(t, async (db) => {
        await db.put(OPEN_MARKER_KEY, 1);
      });
      assert.equal(existsSync(path.join(t.dir, 'blobs', 'ab', FAKE_HASH)), false);
      assert.ok(existsSync(t.store.blobPath(large.blobId)), 'committed body files stay');
      assert.deepEqual(Buffer.from((await t.store.readBody(message.blobId)) ?? []), Buffer.from(body('committed')));
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });
});

describe('backup and restore', () => {
  it('takes a consistent snapshot while mail arrives and restores it', async () => {
    const t = await tempStore();
    const backupDir = await tempDir('pochta-backup-');
    const restoreDir = await tempDir('pochta-restore-');
    try {
      const { account, inbox } = await withAccount(t.store);
      for (let i = 0; i < 30; i++) await t.store.appendMessage(inbox.id, body(`before ${i}`));
      // small bodies live in the database, large ones in files: both kinds are copied
      for (let i = 0; i < 6; i++) await t.store.appendMessage(inbox.id, body(`large ${i}`, INLINE_BODY_LIMIT + 1 + i));
      await t.store.setSettings({ 'relay.host': 'smtp.example' });
      // deliveries and expunges keep running during the backup
      const during = Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          await t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`during ${i}`) });
          await t.store.expunge(inbox.id, [i + 1]);
        }),
      );
      const result = await t.store.backup(backupDir);
      await during;
      assert.ok(result.files >= 6, `${result.files} body files`);
      await assert.rejects(t.store.backup(backupDir), code('INVALID_ARGUMENT'));

      await assert.rejects(restoreBackup(backupDir, t.dir), code('INVALID_ARGUMENT'));
      await rm(restoreDir, { recursive: true });
      const restored = await restoreBackup(backupDir, restoreDir);
      assert.equal(restored.files, result.files);
      const copy = await openStore({ dir: restoreDir });
      try {
        assert.deepEqual((await copy.fsck()).problems, [], 'the snapshot is consistent');
        const box = await copy.getMailboxById(inbox.id);
        const messages = await copy.listMessages(inbox.id);
        assert.equal(box?.messages, messages.length);
        assert.ok(messages.length >= 30);
        for (const message of messages) assert.ok(await copy.readBody(message.blobId), `body of UID ${message.uid}`);
        assert.equal(await copy.getSetting('relay.host'), 'smtp.example');
        assert.equal((await copy.findAccount('alice@example.com'))?.id, account.id);
      } finally {
        await copy.close();
      }
      assert.deepEqual((await t.store.fsck()).problems, [], 'the live store is fine too');
    } finally {
      await t.cleanup();
      await rm(backupDir, { recursive: true, force: true });
      await rm(restoreDir, { recursive: true, force: true });
    }
  });
});

describe('schema versions', () => {
  it('refuses a store written by a newer version', async () => {
    const t = await tempStore();
    await t.store.close();
    const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
    await db.put(SCHEMA_KEY, MIGRATIONS.length + 1);
    await db.close();
    await assert.rejects(openStore({ dir: t.dir }), code('SCHEMA_TOO_NEW'));
    await rm(t.dir, { recursive: true, force: true });
  });

  it('runs pending migrations once, in order', async () => {
    const t = await tempStore();
    try {
      await t.store.setSettings({ greeting: 'old' });
      const ran: number[] = [];
      const migrations = [
        ...MIGRATIONS,
        {
          version: MIGRATIONS.length + 1,
          description: 'test: rename a setting',
          up: async (db: ClassicLevel<string, unknown>) => {
            ran.push(MIGRATIONS.length + 1);
            const value = await db.get(keys.setting('greeting'));
            return [
              { type: 'del' as const, key: keys.setting('greeting') },
              { type: 'put' as const, key: keys.setting('welcome'), value },
            ];
          },
        },
      ];
      await t.reopen({ migrations });
      assert.equal(await t.store.getSetting('welcome'), 'old');
      assert.equal(await t.store.getSetting('greeting'), undefined);
      await t.reopen({ migrations });
      assert.deepEqual(ran, [MIGRATIONS.length + 1]);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses calls after close', async () => {
    const t = await tempStore();
    await t.store.close();
    await assert.rejects(t.store.listDomains(), code('STORE_CLOSED'));
    await assert.rejects(t.store.setSettings({ a: 1 }), code('STORE_CLOSED'));
    await rm(t.dir, { recursive: true, force: true });
  });
});
