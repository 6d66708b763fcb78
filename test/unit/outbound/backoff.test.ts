import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_RETRY_POLICY,
  delayNoticeDue,
  expiresAt,
  isExpired,
  nextAttemptAt,
  retryDelay,
} from '../../../firmware/delivery/outbound/backoff.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

describe('retry backoff', () => {
  it('waits 5 minutes, then doubles up to 4 hours', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 20, 10_000].map((n) => retryDelay(n) / MIN);
    assert.deepEqual(waits, [5, 10, 20, 40, 80, 160, 240, 240, 240, 240]);
  });

  it('treats 0 or nonsense attempt counts as the first failure', () => {
    assert.equal(retryDelay(0), 5 * MIN);
    assert.equal(retryDelay(-3), 5 * MIN);
  });

  it('schedules from now and pulls the last attempt forward to the expiry', () => {
    assert.equal(nextAttemptAt(T0, T0 + 1000, 1), T0 + 1000 + 5 * MIN);
    const nearEnd = T0 + DEFAULT_RETRY_POLICY.lifetimeMs - 10 * MIN;
    assert.equal(nextAttemptAt(T0, nearEnd, 30), expiresAt(T0));
    // Past the expiry: retry at once (the runner then gives up on a further failure).
    assert.equal(nextAttemptAt(T0, expiresAt(T0) + 5, 30), expiresAt(T0) + 5);
  });

  it('walks a whole lifetime with fake time: about 35 attempts over 5 days, then expiry', () => {
    let now = T0;
    let attempts = 0;
    while (!isExpired(T0, now)) {
      attempts++;
      now = nextAttemptAt(T0, now, attempts);
    }
    assert.equal(now, expiresAt(T0));
    // 5+10+…+160 min (~5.25 h), then every 4 h for the rest of 120 h.
    assert.ok(attempts >= 33 && attempts <= 36, `attempts ${attempts}`);
  });

  it('honours a custom lifetime and delay-notice policy', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, lifetimeMs: 2 * HOUR, delayNoticeMs: HOUR };
    assert.equal(isExpired(T0, T0 + 2 * HOUR - 1, policy), false);
    assert.equal(isExpired(T0, T0 + 2 * HOUR, policy), true);
    assert.equal(delayNoticeDue({ from: 'a@b.test', createdAt: T0 }, T0 + HOUR - 1, policy), false);
    assert.equal(delayNoticeDue({ from: 'a@b.test', createdAt: T0 }, T0 + HOUR, policy), true);
  });

  it('sends the delay notice once, after 4 hours, and never to the null sender', () => {
    const item = { from: 'sender@here.test', createdAt: T0 };
    assert.equal(delayNoticeDue(item, T0 + 4 * HOUR - 1), false);
    assert.equal(delayNoticeDue(item, T0 + 4 * HOUR), true);
    assert.equal(delayNoticeDue({ ...item, delayNotified: true }, T0 + 5 * HOUR), false);
    assert.equal(delayNoticeDue({ ...item, from: '' }, T0 + 5 * HOUR), false);
  });
});
