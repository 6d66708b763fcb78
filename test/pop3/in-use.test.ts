// One POP3 session per maildrop (RFC 1939 section 8, RFC 2449 IN-USE), also
// between the pop3 and pop3s listeners, which share only the store; an IMAP
// session at the same time is fine.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { leaseName } from '../../firmware/pop3/maildrop-lock.ts';
import { type Fixture, manualTimers, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

describe('POP3 maildrop lock', () => {
  let fx: Fixture;
  let plainPort: number;
  let tlsPort: number;

  before(async () => {
    fx = await startFixture();
    ({ port: plainPort } = await fx.service('pop3'));
    ({ port: tlsPort } = await fx.service('pop3s'));
    await fx.deliver(message('one'));
  });
  after(() => fx.close());

  it('refuses a second session on the same listener with -ERR [IN-USE], and frees the lock at QUIT', async () => {
    const first = await fx.login(plainPort);
    const second = await fx.connect(plainPort);
    await second.line();
    assert.match(await second.command(`USER ${USER}`), /^\+OK/);
    assert.match(await second.command(`PASS ${PASSWORD}`), /^-ERR \[IN-USE\]/);
    assert.match(await second.command('STAT'), /^-ERR/, 'still in AUTHORIZATION');
    assert.match(await first.command('QUIT'), /^\+OK/);
    await fx.unlocked();
    assert.match(await second.command(`USER ${USER}`), /^\+OK/);
    assert.match(await second.command(`PASS ${PASSWORD}`), /^\+OK/, 'free again after QUIT');
    assert.match(await second.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('refuses a pop3s session while a pop3 session holds the maildrop (two services, one store)', async () => {
    const plain = await fx.login(plainPort);
    const secure = await fx.connectTls(tlsPort);
    assert.match(await secure.line(), /^\+OK/);
    const plainAuth = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    assert.match(await secure.command(`AUTH PLAIN ${plainAuth}`), /^-ERR \[IN-USE\]/);
    plain.close();
    await fx.unlocked();
    assert.match(await secure.command(`AUTH PLAIN ${plainAuth}`), /^\+OK/, 'a dropped session frees the lock');
    assert.match(await secure.command('STAT'), /^\+OK 1 /);
    assert.match(await secure.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('lets IMAP-style store access go on while POP3 holds the lock', async () => {
    const c = await fx.login(plainPort);
    // What an IMAP session does: read, flag, append; none of it is blocked by the POP3 lock.
    const metas = await fx.store.listMessages(fx.inboxId);
    await fx.store.setFlags(fx.inboxId, [metas[0]?.uid ?? 0], 'add', ['\\Seen']);
    await fx.deliver(message('two'));
    assert.match(await c.command('STAT'), /^\+OK 1 /);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('renews the lease while a session lasts, and a lease whose holder vanished lapses after its TTL', async () => {
    const timers = manualTimers();
    const { port } = await fx.service('pop3', { overrides: { setTimer: timers.setTimer, lockTtlMs: 60_000 } });
    const c = await fx.login(port);
    assert.equal(timers.pending(20_000), 1, 'a renewal is scheduled at a third of the TTL');
    timers.fire(20_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(timers.pending(20_000), 1, 'and scheduled again after renewing');
    assert.equal(await fx.store.acquireLease(leaseName(fx.account.id), 'someone-else', 1000), false);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
    assert.equal(timers.pending(20_000), 0, 'renewal stops at release');
    // A holder that died (its thread crashed) without releasing:
    assert.equal(await fx.store.acquireLease(leaseName(fx.account.id), 'dead-thread', 1), true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = await fx.login(plainPort);
    assert.match(await next.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });
});
