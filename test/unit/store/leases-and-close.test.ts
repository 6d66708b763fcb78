// Named leases (the POP3 maildrop lock across listener threads).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tempStore } from './helpers.ts';

it('a lease excludes other holders until released or expired, and renews for its holder', async () => {
  let now = 1_000;
  const t = await tempStore({ now: () => now });
  try {
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-1', 1_000), true);
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-2', 1_000), false);
    assert.equal(await t.store.acquireLease('maildrop:b', 'conn-2', 1_000), true, 'names are independent');
    now += 900;
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-1', 1_000), true, 'renewal');
    now += 900;
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-2', 1_000), false, 'renewed, so still held');
    await t.store.releaseLease('maildrop:a', 'conn-2'); // not the holder: no effect
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-2', 1_000), false);
    await t.store.releaseLease('maildrop:a', 'conn-1');
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-2', 1_000), true);
    now += 1_001;
    assert.equal(await t.store.acquireLease('maildrop:a', 'conn-3', 1_000), true, 'an expired lease is free');
  } finally {
    await t.cleanup();
  }
});

it('a close with a body write in flight leaves the unclean marker, and the next open sweeps', async () => {
  const t = await tempStore();
  try {
    await t.store.addDomain('example.com');
    const account = await t.store.createAccount({ address: 'a@example.com', passwordHash: 'x' });
    const pending = t.store.deliver({ recipients: [{ accountId: account.id }], body: Buffer.from('late\r\n') });
    const closed = t.store.close();
    const outcome = await pending.then(
      () => 'delivered',
      (err: { code?: string }) => err.code,
    );
    await closed;
    assert.ok(outcome === 'delivered' || outcome === 'STORE_CLOSED', String(outcome));
    const store = await t.reopen();
    assert.deepEqual((await store.fsck()).problems, []);
    const inbox = await store.getMailbox(account.id, 'INBOX');
    assert.equal((await store.listMessages(inbox?.id ?? '')).length, outcome === 'delivered' ? 1 : 0);
  } finally {
    await t.cleanup();
  }
});
