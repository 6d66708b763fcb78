// kill -9 of a child whose body mover runs a pass after every new body, with
// the same bytes delivered, refused, expunged and delivered again meanwhile
// (mover-crash-child.ts). After each kill every acknowledged message must
// read back with exactly its bytes (its sha256 is its id) the way IMAP reads
// it (the file first, the store for a small body with no file yet), and fsck
// must find nothing wrong, before and after the leftover bodies move.
// SIGKILL keeps the page cache; a power cut's cut files are mover-power-cut.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { MessageContent } from '../../firmware/imap/message-content.ts';
import { openStore } from '../../firmware/store/index.ts';
import type { MessageMeta } from '../../firmware/store/types.ts';
import { HASH, tempDir } from '../unit/store/helpers.ts';
import { runAndKill } from './child-protocol.ts';

const KILLS = 8;
const CHILD = path.join(import.meta.dirname, 'mover-crash-child.ts');

interface Log {
  delivered: Map<number, string>;
  tried: Set<number>;
  expunged: Set<number>;
}

async function runChild(args: string[], log: Log, delayMs: number): Promise<number> {
  let acks = 0;
  const stderr = await runAndKill(CHILD, args, delayMs, ([kind, what, a, b]) => {
    if (kind === 'ack') acks += 1;
    if (kind === 'ack' && what === 'deliver') log.delivered.set(Number(a), b as string);
    if (kind === 'try' && what === 'expunge') log.tried.add(Number(a));
    if (kind === 'ack' && what === 'expunge') log.expunged.add(Number(a));
  });
  if (stderr.trim() !== '') assert.fail(`child wrote to stderr: ${stderr}`);
  return acks;
}

it(`every acknowledged body reads back exactly after ${KILLS} kill -9s during mover passes`, { timeout: 60_000 }, async () => {
  const dir = await tempDir('pochta-mover-crash-');
  try {
    const setup = await openStore({ dir });
    await setup.addDomain('crash.example');
    const account = await setup.createAccount({ address: 'victim@crash.example', passwordHash: HASH });
    const full = await setup.createAccount({ address: 'full@crash.example', passwordHash: HASH, quotaBytes: 10 });
    const inbox = await setup.getMailbox(account.id, 'INBOX');
    const fullInbox = await setup.getMailbox(full.id, 'INBOX');
    assert.ok(inbox && fullInbox);
    await setup.close();

    const log: Log = { delivered: new Map(), tried: new Set(), expunged: new Set() };
    let acks = 0;
    for (let round = 0; round < KILLS; round++) {
      acks += await runChild([dir, account.id, inbox.id, fullInbox.id], log, 30 + Math.floor(Math.random() * 250));
      const store = await openStore({ dir, bodyMover: { delayMs: 60_000, eagerCount: 1_000_000 } });
      try {
        const content = new MessageContent(store);
        const listed: MessageMeta[] = await store.listMessages(inbox.id);
        const messages: Map<number, MessageMeta> = new Map(listed.map((m): [number, MessageMeta] => [m.uid, m]));
        for (const [uid, blobId] of log.delivered) {
          const message: MessageMeta | undefined = messages.get(uid);
          if (log.expunged.has(uid)) {
            assert.equal(message, undefined, `round ${round}: acknowledged expunge of UID ${uid} undone`);
            continue;
          }
          if (log.tried.has(uid) && !message) continue;
          assert.ok(message, `round ${round}: acknowledged delivery UID ${uid} lost`);
          const bytes = await content.read(message, 0, message.size);
          assert.equal(createHash('sha256').update(bytes).digest('hex'), blobId, `round ${round}: body of UID ${uid}`);
        }
        assert.deepEqual((await store.fsck()).problems, [], `round ${round}: fsck after kill`);
        await store.moveBodies();
        for (const message of messages.values()) {
          const bytes = await content.read(message, 0, message.size);
          assert.equal(
            createHash('sha256').update(bytes).digest('hex'),
            message.blobId,
            `round ${round}: moved body of UID ${message.uid}`,
          );
        }
        assert.deepEqual((await store.fsck()).problems, [], `round ${round}: fsck after moving bodies`);
        assert.deepEqual(await readdir(path.join(dir, 'blobs', 'tmp')), []);
      } finally {
        await store.close();
      }
    }
    assert.ok(acks > KILLS * 5, `the child got real work done (${acks} acknowledged writes)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
