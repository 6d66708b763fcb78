// The SMTP limit counters on an injected clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthThrottle, ConnectionCounter, SlidingWindow } from '../../../firmware/smtp/limits.ts';

describe('ConnectionCounter', () => {
  it('counts per IP and in total, and frees slots on release', () => {
    const c = new ConnectionCounter();
    const limits = { perIp: 2, total: 3 };
    assert.equal(c.acquire('a', limits), 'ok');
    assert.equal(c.acquire('a', limits), 'ok');
    assert.equal(c.acquire('a', limits), 'per-ip');
    assert.equal(c.acquire('b', limits), 'ok');
    assert.equal(c.acquire('c', limits), 'total');
    c.release('a');
    assert.equal(c.total, 2);
    assert.equal(c.acquire('c', limits), 'ok');
    assert.equal(c.acquire('a', limits), 'total');
  });
});

describe('SlidingWindow', () => {
  it('counts events within the window only', () => {
    let t = 1_000_000;
    const w = new SlidingWindow(60_000, () => t);
    assert.equal(w.hit('ip'), 1);
    t += 30_000;
    assert.equal(w.hit('ip'), 2);
    assert.equal(w.count('other'), 0);
    t += 30_001;
    assert.equal(w.count('ip'), 1, 'the first event left the window');
    t += 60_000;
    assert.equal(w.count('ip'), 0);
    w.hit('ip');
    w.clear('ip');
    assert.equal(w.count('ip'), 0);
  });
});

describe('AuthThrottle', () => {
  it('blocks an IP or an account after too many failures, and a success clears the account', () => {
    let t = 0;
    const th = new AuthThrottle(15 * 60_000, () => t);
    const limits = { perIp: 3, perAccount: 2 };
    th.failed('1.1.1.1', 'alice');
    assert.equal(th.blocked('1.1.1.1', 'alice', limits), false);
    th.failed('2.2.2.2', 'alice');
    assert.equal(th.blocked('3.3.3.3', 'alice', limits), true, 'per account, from any address');
    assert.equal(th.blocked('3.3.3.3', 'bob', limits), false);
    th.succeeded('alice');
    assert.equal(th.blocked('3.3.3.3', 'alice', limits), false);
    th.failed('1.1.1.1', 'x');
    th.failed('1.1.1.1', 'y');
    assert.equal(th.blocked('1.1.1.1', 'z', limits), true, 'per IP, for any account');
    t += 15 * 60_000 + 1;
    assert.equal(th.blocked('1.1.1.1', 'z', limits), false, 'the window passes');
  });
});
