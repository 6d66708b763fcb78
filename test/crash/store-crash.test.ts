// Crash test: a child process commits deliveries, flag changes and expunges in
// a loop; it is killed with SIGKILL at random moments, many times. After each
// kill the store is reopened and must hold every acknowledged write, and fsck
// must find nothing wrong.
//
// The contract checked: data whose call resolved is intact. The write that was
// in flight at the kill may leave a temp file or a body file that never got
// its record; the reopen after an unclean shutdown sweeps those (open.ts), so
// fsck finds no orphan. SIGKILL keeps the page cache, so this proves the
// ordering and atomicity of our writes, not the disk's flush (that is what
// fsync with sync:true is for, and the fault tests cover failing flushes).
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { openStore } from '../../firmware/store/index.ts';
import type { MessageMeta } from '../../firmware/store/types.ts';
import { HASH, tempDir } from '../unit/store/helpers.ts';
import { runAndKill } from './child-protocol.ts';

const KILLS = 25;
const CHILD = path.join(import.meta.dirname, 'store-crash-child.ts');

interface Log {
  delivered: Map<number, string>;
  flags: Array<[number, string]>;
  tried: Set<number>;
  expunged: Set<number>;
}

/** Run the child until a random moment after it is ready, kill -9 it, and collect what it acknowledged. */
async function runChild(dir: string, accountId: string, mailboxId: string, log: Log, delayMs: number): Promise<number> {
  let acks = 0;
  await runAndKill(CHILD, [dir, accountId, mailboxId], delayMs, ([kind, what, a, b]) => {
    if (kind === 'ack') acks += 1;
    if (kind === 'ack' && what === 'deliver') log.delivered.set(Number(a), b as string);
    if (kind === 'ack' && what === 'flag') log.flags.push([Number(a), b as string]);
    if (kind === 'try' && what === 'expunge') log.tried.add(Number(a));
    if (kind === 'ack' && what === 'expunge') log.expunged.add(Number(a));
  });
  return acks;
}

it(`every acknowledged write survives ${KILLS} kill -9s`, { timeout: 120_000 }, async () => {
  const dir = await tempDir('pochta-crash-');
  try {
    const setup = await openStore({ dir });
    await setup.addDomain('crash.example');
    const account = await setup.createAccount({ address: 'victim@crash.example', passwordHash: HASH });
    const inbox = await setup.getMailbox(account.id, 'INBOX');
    assert.ok(inbox);
    await setup.close();

    const log: Log = { delivered: new Map(), flags: [], tried: new Set(), expunged: new Set() };
    let totalAcks = 0;
    for (let round = 0; round < KILLS; round++) {
      const knownBefore = new Set(log.delivered.keys());
      totalAcks += await runChild(dir, account.id, inbox.id, log, 20 + Math.floor(Math.random() * 200));

      const store = await openStore({ dir });
      try {
        const listed: MessageMeta[] = await store.listMessages(inbox.id);
        const messages = new Map<number, MessageMeta>(listed.map((m) => [m.uid, m]));
        for (const [uid, blobId] of log.delivered) {
          const message = messages.get(uid);
          if (log.expunged.has(uid)) {
            assert.equal(message, undefined, `round ${round}: acknowledged expunge of UID ${uid} undone`);
            continue;
          }
          if (log.tried.has(uid) && !message) continue; // an unacknowledged expunge may have committed
          assert.ok(message, `round ${round}: acknowledged delivery UID ${uid} lost`);
          assert.equal(message.blobId, blobId);
          if (knownBefore.has(uid)) continue; // bodies are immutable: read each one once, in its round
          const content = await store.readBody(blobId);
          assert.equal(content?.byteLength, message.size, `round ${round}: body of UID ${uid}`);
        }
        for (const [uid, keyword] of log.flags) {
          const message = messages.get(uid);
          if (message) assert.ok(message.flags.includes(keyword), `round ${round}: flag ${keyword} on UID ${uid} lost`);
        }
        const report = await store.fsck();
        assert.deepEqual(report.problems, [], `round ${round}: fsck after kill`);
        // bodies the kill left in the database move to their files, and nothing is half-written
        await store.moveBodies();
        assert.deepEqual((await store.fsck()).problems, [], `round ${round}: fsck after moving bodies`);
        assert.deepEqual(await readdir(path.join(dir, 'blobs', 'tmp')), []);
      } finally {
        await store.close();
      }
    }
    assert.ok(totalAcks > KILLS * 5, `the child got real work done (${totalAcks} acknowledged writes)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
