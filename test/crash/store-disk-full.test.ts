// A real full disk: the store lives on a small tmpfs and mail is delivered
// until the disk is full. The delivery that hits ENOSPC must answer DISK_FULL
// and leave nothing behind; everything acknowledged before must be intact; and
// once space is freed the store works again. A second case shows the reserve
// that keeps LevelDB from ever hitting the wall. Needs root and a kernel that lets
// this sandbox mount tmpfs; otherwise the test is skipped, saying why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it, type TestContext } from 'node:test';
import { isPochtaError, type PochtaError } from '../../firmware/errors.ts';
import { type LevelMailStore, openStore } from '../../firmware/store/index.ts';
import { HASH, tempDir } from '../unit/store/helpers.ts';

function tryMount(dir: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs refused: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}`;
  }
}

/** Run `fn` with a fresh small tmpfs mounted, or skip saying why it cannot be mounted. */
async function onSmallDisk(t: TestContext, size: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const mountPoint = await tempDir('pochta-full-');
  const refused = tryMount(mountPoint, size);
  if (refused) {
    t.skip(`cannot make a small disk here (${refused})`);
    await rm(mountPoint, { recursive: true, force: true });
    return;
  }
  try {
    await fn(path.join(mountPoint, 'data'));
  } finally {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
}

const BODY = 48 * 1024;

it('ENOSPC on a really full disk fails one delivery cleanly and keeps everything acknowledged', (t) =>
  onSmallDisk(t, '12m', async (dir) => {
    let store: LevelMailStore | undefined;
    try {
      // no reserve: let the body write itself run into ENOSPC. A ballast file
      // beside the data stands for space the admin can free without touching
      // mail: enough for LevelDB to reopen, which writes its log (up to its
      // 4 MiB write buffer, bodies kept in the database included) out as a table.
      const ballast = path.join(path.dirname(dir), 'ballast');
      await writeFile(ballast, Buffer.alloc(5 * 1024 * 1024));
      store = await openStore({ dir, reserveBytes: 0 });
      await store.addDomain('full.example');
      const account = await store.createAccount({ address: 'hoarder@full.example', passwordHash: HASH });
      const inbox = await store.getMailbox(account.id, 'INBOX');
      assert.ok(inbox);

      const acked: number[] = [];
      let failure: unknown;
      for (let i = 0; i < 1000 && failure === undefined; i++) {
        try {
          const result = await store.deliver({ recipients: [{ accountId: account.id }], body: randomBytes(BODY) });
          acked.push(result.copies[0]?.uid ?? 0);
        } catch (err) {
          failure = err;
        }
      }
      assert.ok(isPochtaError(failure, 'DISK_FULL'), `the disk filled up with DISK_FULL (got ${String(failure)})`);
      assert.ok(acked.length > 10, `some mail fit first (${acked.length})`);

      const check = async (s: LevelMailStore) => {
        const messages = await s.listMessages(inbox.id);
        assert.deepEqual(
          messages.map((m) => m.uid),
          acked,
          'exactly the acknowledged deliveries',
        );
        const box = await s.getMailboxById(inbox.id);
        assert.equal(box?.messages, acked.length);
        assert.equal((await s.getAccount(account.id))?.usedBytes, acked.length * BODY);
        assert.deepEqual(await readdir(path.join(dir, 'blobs', 'tmp')), [], 'no temp file left');
      };
      await check(store);

      // free space; the store must take mail again (after a reopen if LevelDB itself hit the wall)
      const freed = acked.splice(0, Math.floor(acked.length / 2));
      await rm(ballast);
      try {
        await store.expunge(inbox.id, freed);
      } catch (err) {
        // LevelDB refuses every write once its own log hit ENOSPC (a sticky error):
        // whether the body file or the log ran out first depends on timing, so the
        // documented way back is a reopen (firmware/store/README.md).
        assert.ok(isPochtaError(err, 'DISK_FULL'), `expunge on a full disk: ${String(err)}`);
        await store.close();
        store = await openStore({ dir, reserveBytes: 0 });
        await store.expunge(inbox.id, freed);
      }
      let next: Awaited<ReturnType<LevelMailStore['deliver']>>;
      try {
        next = await store.deliver({ recipients: [{ accountId: account.id }], body: randomBytes(BODY) });
      } catch {
        await store.close();
        store = await openStore({ dir, reserveBytes: 0 });
        next = await store.deliver({ recipients: [{ accountId: account.id }], body: randomBytes(BODY) });
      }
      acked.push(next.copies[0]?.uid ?? 0);
      await check(store);
      assert.deepEqual((await store.fsck()).problems, []);
      await store.close();
      store = await openStore({ dir, reserveBytes: 0 });
      await check(store);
    } finally {
      await store?.close().catch(() => undefined);
    }
  }));

it('the space reserve refuses new mail before the database runs dry, and deletes still work', (t) =>
  // The reserve must cover LevelDB's working room: bodies pass through it (log,
  // level-0 tables) before they move to their files, that copy is dropped
  // only when LevelDB compacts, and a compaction writes its output (a few
  // tens of MiB) before it deletes its input. The daemon keeps 64 MiB.
  onSmallDisk(t, '96m', async (dir) => {
    const store = await openStore({ dir, reserveBytes: 32 * 1024 * 1024 });
    try {
      await store.addDomain('full.example');
      const account = await store.createAccount({ address: 'hoarder@full.example', passwordHash: HASH });
      const inbox = await store.getMailbox(account.id, 'INBOX');
      assert.ok(inbox);
      const acked: number[] = [];
      let failure: unknown;
      for (let i = 0; i < 3000 && failure === undefined; i++) {
        await store
          .deliver({ recipients: [{ accountId: account.id }], body: randomBytes(BODY) })
          .then((result) => acked.push(result.copies[0]?.uid ?? 0))
          .catch((err) => {
            failure = err;
          });
      }
      assert.ok(isPochtaError(failure, 'DISK_FULL'), `refused with DISK_FULL (got ${String(failure)})`);
      assert.match((failure as PochtaError).detail, /reserve/);
      // the database still has room: flag changes, settings and expunges go through
      await store.setFlags(inbox.id, acked.slice(0, 10), 'add', ['\\Seen']);
      await store.setSettings({ note: 'x'.repeat(10_000) });
      await store.expunge(inbox.id, acked.splice(0, 40));
      // The space comes back: at once for bodies already in their files; bodies
      // still moving and a compaction LevelDB runs hold some for a moment (a
      // sender would be told to retry, 452), so allow some seconds (more on a loaded machine).
      const deliverOnce = () => store.deliver({ recipients: [{ accountId: account.id }], body: randomBytes(BODY) });
      let after: Awaited<ReturnType<typeof deliverOnce>> | undefined;
      for (const deadline = Date.now() + 30_000; after === undefined; ) {
        try {
          after = await deliverOnce();
        } catch (err) {
          if (!isPochtaError(err, 'DISK_FULL') || Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      acked.push(after.copies[0]?.uid ?? 0);
      assert.deepEqual(
        (await store.listMessages(inbox.id)).map((m) => m.uid),
        acked,
      );
      assert.deepEqual((await store.fsck()).problems, []);
    } finally {
      await store.close();
    }
  }));
