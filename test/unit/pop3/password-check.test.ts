// The POP3 password check against a real store: right and wrong passwords,
// the doubling delay, the refusal past the limit and the window expiring.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { createPasswordCheck } from '../../../firmware/pop3/password-check.ts';
import { hashPassword, type LevelMailStore, openStore } from '../../../firmware/store/index.ts';

describe('POP3 password check', () => {
  let dir: string;
  let store: LevelMailStore;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-pop3-pw-'));
    store = await openStore({ dir });
    await store.addDomain('example.com');
    await store.createAccount({ address: 'bob@example.com', passwordHash: await hashPassword('right password 1') });
    await store.createAccount({ address: 'off@example.com', passwordHash: await hashPassword('right password 2'), enabled: false });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the account for the right password, case-insensitively', async () => {
    const check = createPasswordCheck({ store, now: Date.now, sleep: async () => undefined, maxFailures: 3 });
    assert.equal((await check('Bob@Example.COM', 'right password 1', '192.0.2.1'))?.address, 'bob@example.com');
    assert.equal(await check('off@example.com', 'right password 2', '192.0.2.1'), undefined, 'disabled accounts cannot log in');
    assert.equal(await check('not an address@@', 'x', '192.0.2.9'), undefined);
  });

  it('doubles the delay per failure, refuses past the limit, and forgets after the window', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    const check = createPasswordCheck({
      store,
      now: () => now,
      sleep: async (ms) => void slept.push(ms),
      maxFailures: 3,
      windowMs: 60_000,
      verify: async (password) => password === 'ok',
    });
    for (let i = 0; i < 3; i++) assert.equal(await check('bob@example.com', 'bad', '192.0.2.2'), undefined);
    assert.deepEqual(slept, [500, 1000, 2000]);
    await assert.rejects(check('bob@example.com', 'ok', '192.0.2.2'), (e: unknown) => isPochtaError(e, 'AUTH_THROTTLED'));
    assert.ok(await check('bob@example.com', 'ok', '192.0.2.3'), 'other addresses are not affected');
    now += 61_000;
    assert.ok(await check('bob@example.com', 'ok', '192.0.2.2'), 'the window passed');
  });
});
