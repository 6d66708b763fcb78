// Sessions and the sign-in limiter with a fake clock: idle and absolute
// lifetimes, a new id on rotation, the failure window sliding.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFailureLimiter } from '../../webui/server/rate-limit.ts';
import { createSessionStore, readCookie, sessionCookie } from '../../webui/server/sessions.ts';

describe('sessions', () => {
  it('end after the idle time and after the absolute time, whatever the activity', () => {
    let t = 0;
    const store = createSessionStore({ now: () => t, idleMs: 1000, absoluteMs: 5000 });
    const a = store.create();
    t = 900;
    assert.equal(store.get(a.id), a, 'touched within the idle time');
    t = 1800;
    assert.equal(store.get(a.id), a);
    t = 2801;
    assert.equal(store.get(a.id), undefined, 'idle too long');
    const b = store.create();
    for (t = 2801; t < 2801 + 5000; t += 900) assert.equal(store.get(b.id), b);
    t = 2801 + 5001;
    assert.equal(store.get(b.id), undefined, 'too old, however busy');
  });

  it('rotate gives a new id and forgets the old one; ids and tokens are long and random', () => {
    const store = createSessionStore({ now: () => 0, idleMs: 1000, absoluteMs: 5000 });
    const s = store.create();
    const old = s.id;
    const fresh = store.rotate(s);
    assert.notEqual(fresh, old);
    assert.equal(store.get(old), undefined);
    assert.equal(store.get(fresh), s);
    assert.ok(s.id.length >= 32 && s.csrf.length >= 32);
    assert.notEqual(store.create().id, store.create().id);
  });

  it('keeps memory bounded against a flood of anonymous sessions', () => {
    const store = createSessionStore({ now: () => 0, idleMs: 1000, absoluteMs: 5000, max: 10 });
    const first = store.create();
    for (let i = 0; i < 50; i++) store.create();
    assert.ok(store.all().length <= 10);
    assert.equal(store.get(first.id), undefined, 'the oldest went first');
  });

  it('cookies: read one among several; the Set-Cookie carries the right attributes', () => {
    assert.equal(readCookie('a=1; pochta_session=xyz; b=2', 'pochta_session'), 'xyz');
    assert.equal(readCookie(undefined, 'pochta_session'), undefined);
    assert.equal(sessionCookie('abc', true), 'pochta_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure');
    assert.match(sessionCookie('', false), /Max-Age=0/);
  });
});

describe('sign-in limiter', () => {
  it('allows max failures per window, per key; a success clears', () => {
    let t = 0;
    const limiter = createFailureLimiter({ now: () => t, max: 3, windowMs: 1000 });
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.retryAfter('a'), 0);
      limiter.fail('a');
      t += 100;
    }
    assert.equal(limiter.retryAfter('a'), 700, 'until the first failure leaves the window');
    assert.equal(limiter.retryAfter('b'), 0);
    t = 1001;
    assert.equal(limiter.retryAfter('a'), 0, 'the window slid');
    limiter.fail('a');
    limiter.fail('a');
    limiter.clear('a');
    assert.equal(limiter.retryAfter('a'), 0);
  });
});
