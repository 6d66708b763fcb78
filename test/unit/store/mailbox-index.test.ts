// getMailboxIndex: what SELECT needs (UIDs, modseqs, first unseen, keywords)
// in typed arrays, agreeing with listMessages.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { body, tempStore, withAccount } from './helpers.ts';

it('getMailboxIndex agrees with listMessages', async () => {
  const t = await tempStore();
  try {
    const { inbox } = await withAccount(t.store);
    assert.equal(await t.store.getMailboxIndex('no-such-mailbox'), undefined);
    const empty = await t.store.getMailboxIndex(inbox.id);
    assert.deepEqual([empty?.uids.length, empty?.firstUnseen, empty?.keywords], [0, 0, []]);
    await t.store.appendMessage(inbox.id, body('one'), { flags: ['\\Seen', '$Work'] });
    await t.store.appendMessage(inbox.id, body('two'), { flags: ['\\Seen'] });
    await t.store.appendMessage(inbox.id, body('three'), { flags: ['\\Flagged', 'Later'] });
    await t.store.appendMessage(inbox.id, body('four'));
    await t.store.expunge(inbox.id, [2]);
    await t.store.setFlags(inbox.id, [1], 'add', ['$Work2']);
    const index = await t.store.getMailboxIndex(inbox.id);
    const list = await t.store.listMessages(inbox.id);
    const box = await t.store.getMailboxById(inbox.id);
    assert.deepEqual(
      [...index!.uids],
      list.map((m) => m.uid),
    );
    assert.deepEqual(
      [...index!.modseqs],
      list.map((m) => m.modseq),
    );
    assert.equal(index!.firstUnseen, 2);
    assert.deepEqual(index!.keywords, ['$Work', '$Work2', 'Later']);
    assert.equal(index!.highestModseq, box!.highestModseq);
    assert.equal(index!.mailbox.uidNext, box!.uidNext);
    // kept while nothing changes, and never stale after a change of any kind
    assert.deepEqual(await t.store.getMailboxIndex(inbox.id), index);
    await t.store.setFlags(inbox.id, [4], 'add', ['\\Seen']);
    await t.store.setFlags(inbox.id, [3], 'add', ['\\Seen']);
    const seen = await t.store.getMailboxIndex(inbox.id);
    assert.equal(seen!.firstUnseen, 0);
    assert.deepEqual(
      [...seen!.modseqs],
      (await t.store.listMessages(inbox.id)).map((m) => m.modseq),
    );
    await t.store.appendMessage(inbox.id, body('five'), { flags: ['New'] });
    const added = await t.store.getMailboxIndex(inbox.id);
    assert.deepEqual([...added!.uids], [1, 3, 4, 5]);
    assert.deepEqual([added!.firstUnseen, added!.keywords], [4, ['$Work', '$Work2', 'Later', 'New']]);
    await t.store.expunge(inbox.id, [1]);
    assert.deepEqual([...(await t.store.getMailboxIndex(inbox.id))!.uids], [3, 4, 5]);
  } finally {
    await t.cleanup();
  }
});
