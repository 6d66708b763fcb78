// Limits and bad input: long lines and junk get -ERR and the session goes on,
// password guessing is slowed and then cut off, idle sessions time out
// without deleting anything, and one address cannot hog the listener.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fixture, manualTimers, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

describe('POP3 limits', () => {
  let fx: Fixture;
  let port: number;

  before(async () => {
    fx = await startFixture();
    await fx.store.setSettings({ 'limits.authFailuresPerIp': 4, 'limits.connectionsPerIp': 5 });
    ({ port } = await fx.service('pop3'));
    await fx.deliver(message('keep me'));
  });
  after(() => fx.close());

  it('answers lines over 255 octets with -ERR and goes on; 255 with CRLF is fine', async () => {
    const c = await fx.connect(port);
    await c.line();
    const fits = `USER ${'a'.repeat(248)}`;
    assert.equal(Buffer.byteLength(`${fits}\r\n`), 255);
    assert.match(await c.command(fits), /^\+OK/);
    assert.match(await c.command(`USER ${'a'.repeat(249)}`), /^-ERR Line too long/);
    c.send(`NOOP ${'x'.repeat(100_000)}`);
    c.send('\r\n');
    assert.match(await c.line(), /^-ERR Line too long/);
    assert.match(await c.command('CAPA'), /^\+OK/, 'still in sync');
    await c.lines();
    assert.match(await c.command(`USER ${USER}`), /^\+OK/);
    assert.match(await c.command(`PASS ${PASSWORD}`), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('answers junk with -ERR and goes on', async () => {
    const c = await fx.connect(port);
    await c.line();
    for (const junk of [
      Buffer.from('\x00\x01\x02\r\n'),
      Buffer.from([0xff, 0xfe, 0x80, 0x0d, 0x0a]),
      Buffer.from('LIST\0 1\r\n'),
      Buffer.from('   \r\n'),
      Buffer.from('USER\r\n'),
    ]) {
      c.send(junk);
      assert.match(await c.line(), /^-ERR/, JSON.stringify(junk.toString('latin1')));
    }
    c.send('CAPA\nQUIT\n');
    assert.match(await c.line(), /^\+OK/, 'bare LF line ends are accepted');
    await c.lines();
    assert.match(await c.line(), /^\+OK/);
    await c.waitClosed();
  });

  it('slows failed logins with a growing delay and drops the connection after three', async () => {
    const slept: number[] = [];
    const { port: slowPort } = await fx.service('pop3', {
      overrides: { sleep: async (ms) => void slept.push(ms) },
    });
    const c = await fx.connect(slowPort);
    await c.line();
    for (let i = 0; i < 3; i++) {
      assert.match(await c.command(`USER ${USER}`), /^\+OK/);
      assert.match(await c.command('PASS wrong'), /^-ERR \[AUTH\]/);
    }
    await c.waitClosed();
    assert.deepEqual(slept, [500, 1000, 2000]);
    // The address has one failure left before it is refused outright.
    const d = await fx.connect(slowPort);
    await d.line();
    assert.match(await d.command(`USER nobody@example.com`), /^\+OK/, 'USER does not tell whether the account exists');
    assert.match(await d.command('PASS wrong'), /^-ERR \[AUTH\]/);
    assert.match(await d.command(`USER ${USER}`), /^\+OK/);
    assert.match(await d.command(`PASS ${PASSWORD}`), /^-ERR \[LOGIN-DELAY\]/, 'refused even with the right password');
    await d.waitClosed();
  });

  it('closes an idle session after 10 minutes without deleting anything', async () => {
    const timers = manualTimers();
    const { port: idlePort } = await fx.service('pop3', { overrides: { setTimer: timers.setTimer } });
    const c = await fx.login(idlePort);
    assert.match(await c.command('DELE 1'), /^\+OK/);
    assert.equal(timers.pending(10 * 60_000), 1);
    timers.fire(10 * 60_000);
    assert.match(await c.line(), /^-ERR .*inactivity/);
    await c.waitClosed();
    await fx.unlocked();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 1);
  });

  it('refuses connections over the per-address limit', async () => {
    const { port: limitPort } = await fx.service('pop3');
    const open = [];
    for (let i = 0; i < 5; i++) {
      const c = await fx.connect(limitPort);
      assert.match(await c.line(), /^\+OK/);
      open.push(c);
    }
    const extra = await fx.connect(limitPort);
    assert.match(await extra.line(), /^-ERR \[SYS\/TEMP\] Too many connections/);
    await extra.waitClosed();
    for (const c of open) c.close();
  });

  it('stop() says goodbye to sessions and deletes nothing', async () => {
    const { service, port: stopPort } = await fx.service('pop3');
    const c = await fx.login(stopPort);
    assert.match(await c.command('DELE 1'), /^\+OK/);
    await service.stop(Date.now() + 2000);
    assert.match(await c.line(), /^-ERR \[SYS\/TEMP\]/);
    await c.waitClosed();
    await fx.unlocked();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 1);
  });
});
