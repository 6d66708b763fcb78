// A power cut while the body mover is between writing its files (no fsync)
// and the syncfs that makes them durable: the rename may survive while the
// data does not, so the body's file comes back empty or short, and the blob
// record still says the body is in the database (the hand-over never ran).
// kill -9 cannot show this (the page cache survives a killed process), so
// the test builds the state a power cut leaves: the store closed, the body's
// file cut short. Readers outside the store (IMAP, POP3) open the file first;
// they must still get the acknowledged bytes.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { MessageContent } from '../../firmware/imap/message-content.ts';
import { openMessageBody } from '../../firmware/pop3/message-body.ts';
import { OPEN_MARKER_KEY } from '../../firmware/store/keys.ts';
import { body, tempStore, withAccount } from '../unit/store/helpers.ts';

const quiet = { delayMs: 60_000, eagerCount: 1_000_000 } as const;

async function markUnclean(dir: string): Promise<void> {
  const db = new ClassicLevel<string, unknown>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  await db.open();
  await db.put(OPEN_MARKER_KEY, 1, { sync: true });
  await db.close();
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return Buffer.concat(out);
}

describe('mover power cut', () => {
  for (const cut of [
    { name: 'empty', keep: 0 },
    { name: 'short', keep: 1000 },
  ]) {
    it(`readers get the whole body when a power cut left its file ${cut.name} before the mover's syncfs`, async () => {
      const t = await tempStore({ bodyMover: quiet });
      try {
        const { account, inbox } = await withAccount(t.store);
        const bytes = body('acknowledged before the power cut', 5000);
        const delivered = await t.store.deliver({ recipients: [{ accountId: account.id }], body: bytes });
        const file = t.store.blobPath(delivered.blobId);
        await t.store.close();
        // what the mover's rename without fsync may leave after a power cut
        await writeFile(file, Buffer.from(bytes).subarray(0, cut.keep));
        await markUnclean(t.dir);
        const store = await t.reopen({ bodyMover: quiet });
        const [meta] = await store.listMessages(inbox.id);
        assert.ok(meta);
        assert.deepEqual(Buffer.from((await store.readBody(meta.blobId)) ?? []), Buffer.from(bytes), 'store readBody');
        const imap = await new MessageContent(store).read(meta, 0, meta.size);
        assert.deepEqual(imap, Buffer.from(bytes), 'IMAP FETCH BODY[]');
        const pop3 = await openMessageBody(store, {
          number: 1,
          uid: meta.uid,
          blobId: meta.blobId,
          size: meta.size,
          deleted: false,
          gone: false,
        });
        const sent = pop3.whole ?? (await collect(pop3.open()));
        assert.ok(sent.includes(Buffer.from('acknowledged before the power cut\r\nxxxx')), 'POP3 RETR');
        assert.ok(sent.length >= bytes.length, 'POP3 RETR sends the whole body');
        // and once the mover ran, from the file
        await store.moveBodies();
        assert.deepEqual(await new MessageContent(store).read(meta, 0, meta.size), Buffer.from(bytes));
        assert.deepEqual((await store.fsck()).problems, []);
      } finally {
        await t.cleanup();
      }
    });
  }
});
