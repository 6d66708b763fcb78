// The store lease the POP3 maildrop lock is built on, against a real store
// with a fake clock: one holder at a time, renewal by the holder, expiry
// after the TTL, release only by the holder.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LevelMailStore, openStore } from '../../../firmware/store/index.ts';

describe('MailStore leases', () => {
  let dir: string;
  let store: LevelMailStore;
  let now = 1_000_000;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-lease-'));
    store = await openStore({ dir, now: () => now });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a lease to one holder at a time and lets the holder renew it', async () => {
    assert.equal(await store.acquireLease('pop3-maildrop:a', 'one', 10_000), true);
    assert.equal(await store.acquireLease('pop3-maildrop:a', 'two', 10_000), false);
    assert.equal(await store.acquireLease('pop3-maildrop:b', 'two', 10_000), true, 'names are independent');
    now += 8000;
    assert.equal(await store.acquireLease('pop3-maildrop:a', 'one', 10_000), true, 'renewed');
    now += 8000;
    assert.equal(await store.acquireLease('pop3-maildrop:a', 'two', 10_000), false, 'the renewal counts from its own time');
  });

  it('lets a lease lapse after its TTL, and only its holder release it', async () => {
    assert.equal(await store.acquireLease('x', 'dead', 5000), true);
    now += 5001;
    assert.equal(await store.acquireLease('x', 'alive', 5000), true, 'the dead holder lost it');
    await store.releaseLease('x', 'dead');
    assert.equal(await store.acquireLease('x', 'third', 5000), false, 'a former holder cannot release it');
    await store.releaseLease('x', 'alive');
    assert.equal(await store.acquireLease('x', 'third', 5000), true);
  });
});
