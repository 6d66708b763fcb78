// Callers hear back in commit order (commit-queue.ts), also when a later
// group fails: a caller whose change failed must not hear so before an earlier
// caller, whose change committed, hears of its success (that one may still be
// waiting for its body file's unlink).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scriptedFaults } from '../../../firmware/store/index.ts';
import { body, tempStore, withAccount } from './helpers.ts';

describe('commit order review', () => {
  it('a failed later group is not told before an earlier committed one', async () => {
    const faults = scriptedFaults();
    const t = await tempStore({ faults, bodyMover: { delayMs: 60_000, eagerCount: 1_000_000 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      // a body in a file: its expunge's caller waits for the unlink
      for (let i = 0; i < 3; i++) await t.store.deliver({ recipients: [{ accountId: account.id }], body: body(`big ${i}`, 70_000 + i) });
      const heard: string[] = [];
      faults.failAt('db-batch', 2);
      const first = t.store.expunge(inbox.id, [1]).then(
        () => heard.push('expunge ok'),
        () => heard.push('expunge failed'),
      );
      // queued while the expunge's group is written: the next group, which fails
      await new Promise((resolve) => setImmediate(resolve));
      const second = t.store.setFlags(inbox.id, [2], 'add', ['\\Seen']).then(
        () => heard.push('flag ok'),
        () => heard.push('flag failed'),
      );
      await Promise.all([first, second]);
      assert.deepEqual(heard, ['expunge ok', 'flag failed']);
    } finally {
      await t.cleanup();
    }
  });
});
