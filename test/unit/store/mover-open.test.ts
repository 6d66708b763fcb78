// Opening a store that still keeps many bodies in its database (a stop or a
// crash before the mover was done): open clears stale files of those bodies
// before the mover may start, so no file the mover writes is unlinked by the
// open that is still going through the list. (It was: an eager pass started
// after the first notices and the rest of the list then removed the files it
// had just written and handed over: acknowledged bodies gone.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { body, tempStore, withAccount } from './helpers.ts';

describe('opening with bodies still in the database', () => {
  it('moves them all to their files and loses none, however eager the mover', async () => {
    const t = await tempStore({ bodyMover: { delayMs: 3_600_000, eagerCount: 1_000_000 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const n = 600;
      for (let i = 0; i < n; i++) await t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`waiting ${i}`, 1000 + i) });
      // reopened with a mover that starts a pass after a few notices, as the daemon's does after 256
      const store = await t.reopen({ bodyMover: { delayMs: 1, eagerCount: 8, passSize: 64 } });
      await store.moveBodies();
      const messages = await store.listMessages(inbox.id);
      assert.equal(messages.length, n);
      let missing = 0;
      for (const m of messages) if ((await store.readBody(m.blobId))?.byteLength !== m.size) missing++;
      assert.equal(missing, 0, `${missing} of ${n} bodies unreadable after the move`);
      assert.deepEqual((await store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });
});
