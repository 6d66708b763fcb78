// The body mover's syncfs helper (syncfs.ts: one long-lived `sh` running
// `sync -f`) when things go wrong: sync fails, the shell dies mid-request,
// the store closes while a request waits. A fake `sync` first on PATH (the
// shell is spawned with this process's environment) plays each part; this
// file runs in its own process, so PATH is ours to change.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPochtaError } from '../../../firmware/errors.ts';
import { body, tempDir, tempStore, withAccount } from './helpers.ts';

const quiet = { delayMs: 60_000, eagerCount: 1_000_000, retryMs: 60_000 } as const;

let bin: string;
let pathBefore: string | undefined;
/** What the fake sync does: read from this file on each call ("ok", "fail", or "slow"). */
let modeFile: string;

async function mode(value: 'ok' | 'fail' | 'slow'): Promise<void> {
  await writeFile(modeFile, value);
}

/** Pids of this process's children whose command line contains `needle`. */
async function children(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes(needle)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function deliverSome(store: Awaited<ReturnType<typeof tempStore>>['store'], accountId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await store.deliver({ recipients: [{ accountId }], body: body(`message ${i}`, 2000 + i) })).blobId);
  return ids;
}

describe('syncfs helper review', () => {
  before(async () => {
    bin = await tempDir('pochta-fake-sync-');
    modeFile = path.join(bin, 'mode');
    await mode('ok');
    // sync -f DIR: does what the mode file says; "slow" sleeps first (a busy SD card)
    await writeFile(
      path.join(bin, 'sync'),
      `#!/bin/sh\nm=$(cat '${modeFile}')\nif [ "$m" = fail ]; then exit 1; fi\nif [ "$m" = slow ]; then sleep 1; fi\nexec /bin/sync "$@"\n`,
    );
    await chmod(path.join(bin, 'sync'), 0o755);
    pathBefore = process.env['PATH'];
    process.env['PATH'] = `${bin}:${pathBefore ?? ''}`;
  });
  after(async () => {
    if (pathBefore === undefined) delete process.env['PATH'];
    else process.env['PATH'] = pathBefore;
    await rm(bin, { recursive: true, force: true });
  });

  it('moves bodies to durable files even when sync -f fails (an fsync per file instead)', async () => {
    await mode('fail');
    const t = await tempStore({ bodyMover: quiet });
    try {
      const { account } = await withAccount(t.store);
      const ids = await deliverSome(t.store, account.id, 3);
      await t.store.moveBodies();
      for (const id of ids) assert.equal(existsSync(t.store.blobPath(id)), true, 'moved to its file');
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await mode('ok');
      await t.cleanup();
    }
  });

  it('a sync shell killed mid-request fails that pass only; nothing hangs and the next pass works', async () => {
    await mode('slow');
    const t = await tempStore({ bodyMover: quiet });
    try {
      const { account } = await withAccount(t.store);
      const ids = await deliverSome(t.store, account.id, 2);
      const moving = t.store.moveBodies().then(
        () => 'moved',
        (err: unknown) => err,
      );
      let shells: number[] = [];
      await until('the sync shell', async () => {
        shells = await children('sync -f');
        return shells.length > 0;
      });
      for (const pid of shells) process.kill(pid, 'SIGKILL');
      const outcome = await moving;
      // either the request failed with the shell (the bodies stay in the database) or it had finished
      if (outcome !== 'moved') assert.ok(outcome instanceof Error, String(outcome));
      await mode('ok');
      await t.store.moveBodies();
      for (const id of ids) assert.equal(existsSync(t.store.blobPath(id)), true);
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await mode('ok');
      await t.cleanup();
    }
  });

  it('close while moveBodies() waits on a slow sync: both settle, every body is kept, no shell is left', async () => {
    await mode('slow');
    const t = await tempStore({ bodyMover: quiet });
    try {
      const { account, inbox } = await withAccount(t.store);
      const ids = await deliverSome(t.store, account.id, 3);
      const moving = t.store.moveBodies().then(
        () => 'moved',
        (err: unknown) => err,
      );
      await until('the sync shell', async () => (await children('sync -f')).length > 0);
      await t.store.close();
      const outcome = await moving;
      if (outcome !== 'moved') assert.ok(isPochtaError(outcome, 'STORE_CLOSED') || outcome instanceof Error, String(outcome));
      await until('the sync shell to end', async () => (await children('sync -f')).length === 0);
      await mode('ok');
      const store = await t.reopen({ bodyMover: quiet });
      const messages = await store.listMessages(inbox.id);
      assert.equal(messages.length, ids.length);
      for (const m of messages) assert.equal((await store.readBody(m.blobId))?.byteLength, m.size);
      assert.deepEqual((await store.fsck()).problems, []);
      await store.moveBodies();
      for (const id of ids) assert.equal(existsSync(store.blobPath(id)), true);
    } finally {
      await mode('ok');
      await t.cleanup();
    }
  });

  it('close ends the sync shell', async () => {
    await mode('ok');
    const t = await tempStore({ bodyMover: quiet });
    try {
      const { account } = await withAccount(t.store);
      await deliverSome(t.store, account.id, 2);
      await t.store.moveBodies();
      assert.ok((await children('sync -f')).length > 0, 'the shell is kept between passes');
      await t.store.close();
      await until('the sync shell to end', async () => (await children('sync -f')).length === 0);
    } finally {
      await t.cleanup();
    }
  });
});
