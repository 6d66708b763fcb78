// A body file shorter than its message (damage, or a file the store's mover
// wrote without fsync cut by a power failure) is never sent to a client as
// the body while the store still holds it whole: IMAP and POP3 fall back to
// the store's copy.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MessageContent } from '../../firmware/imap/message-content.ts';
import { openMessageBody } from '../../firmware/pop3/message-body.ts';
import { body, tempStore, withAccount } from '../unit/store/helpers.ts';

describe('a short body file is never sent as the body', () => {
  it('IMAP reads and POP3 RETR and TOP take the store copy instead', async () => {
    // the mover never runs on its own: the body stays in the database
    const t = await tempStore({ bodyMover: { delayMs: 3_600_000, eagerCount: 1_000_000 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const content = body('whole', 5000);
      const result = await t.store.deliver({ recipients: [{ accountId: account.id }], body: content });
      // a cut file where the mover would have put it
      await writeFile(t.store.blobPath(result.blobId), content.subarray(0, 100));
      const [meta] = await t.store.listMessages(inbox.id);
      assert.ok(meta);

      const imap = new MessageContent(t.store);
      assert.deepEqual(await imap.read(meta, 0, meta.size), Buffer.from(content));
      assert.deepEqual(await imap.read(meta, 4000, 4010), Buffer.from(content.subarray(4000, 4010)));

      const message = { number: 1, uid: meta.uid, blobId: meta.blobId, size: meta.size, deleted: false, gone: false };
      const retr = await openMessageBody(t.store, message);
      assert.equal(retr.whole?.toString('latin1').startsWith(Buffer.from(content).toString('latin1')), true);
      assert.ok((retr.whole?.length ?? 0) >= content.length, 'the whole body, not the 100 bytes of the file');
      const top = await openMessageBody(t.store, message, 1);
      assert.match(top.whole?.toString('latin1') ?? '', /^From: a@example\.org\r\nSubject: whole\r\n\r\nwhole/);
    } finally {
      await t.cleanup();
    }
  });
});
