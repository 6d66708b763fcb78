// TLS rules: passwords only over TLS outside dev mode (RFC 2595), STLS on the
// plain port, implicit TLS on pop3s, and what CAPA advertises in each case.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

describe('POP3 and TLS', () => {
  let fx: Fixture;
  let plainPort: number;
  let tlsPort: number;
  const plainAuth = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');

  before(async () => {
    fx = await startFixture();
    ({ port: plainPort } = await fx.service('pop3', { dev: false }));
    ({ port: tlsPort } = await fx.service('pop3s', { dev: false }));
    await fx.deliver(message('secret'));
  });
  after(() => fx.close());

  it('refuses USER, PASS and AUTH PLAIN before TLS on a non-dev listener, and does not advertise them', async () => {
    const c = await fx.connect(plainPort);
    await c.line();
    const caps = (await c.multi('CAPA')).lines;
    assert.ok(caps.includes('STLS'));
    assert.ok(!caps.includes('USER'), 'USER is not advertised');
    assert.ok(!caps.some((cap) => cap.startsWith('SASL')), 'SASL is not advertised');
    assert.match(await c.command(`USER ${USER}`), /^-ERR \[AUTH\] .*TLS/);
    assert.match(await c.command(`PASS ${PASSWORD}`), /^-ERR/);
    assert.match(await c.command(`AUTH PLAIN ${plainAuth}`), /^-ERR \[AUTH\]/);
    assert.equal(await c.command('AUTH'), '+OK Supported mechanisms follow');
    assert.deepEqual(await c.lines(), [], 'no mechanism usable yet');
    assert.match(await c.command('QUIT'), /^\+OK/);
  });

  it('STLS upgrades, then CAPA lists USER and SASL PLAIN and no STLS, and login works', async () => {
    const plain = await fx.connect(plainPort);
    await plain.line();
    assert.equal(await plain.command('STLS'), '+OK Begin TLS negotiation');
    const c = await plain.startTls();
    const caps = (await c.multi('CAPA')).lines;
    assert.ok(caps.includes('USER'));
    assert.ok(caps.includes('SASL PLAIN'));
    assert.ok(!caps.includes('STLS'));
    assert.match(await c.command('STLS'), /^-ERR/, 'only once');
    assert.match(await c.command(`USER ${USER}`), /^\+OK/);
    assert.match(await c.command(`PASS ${PASSWORD}`), /^\+OK/);
    assert.match(await c.command('RETR 1'), /^\+OK/);
    assert.match((await c.body()).toString(), /Subject: secret/);
    const transactionCaps = (await c.multi('CAPA')).lines;
    assert.ok(!transactionCaps.includes('USER'), 'after login only TRANSACTION capabilities');
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('drops plaintext pipelined after STLS instead of running it inside TLS', async () => {
    const plain = await fx.connect(plainPort);
    await plain.line();
    plain.send(`STLS\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\n`);
    assert.equal(await plain.line(), '+OK Begin TLS negotiation');
    const c = await plain.startTls();
    assert.match(await c.command('STAT'), /^-ERR/, 'the injected login did not happen');
    assert.match(await c.command(`AUTH PLAIN ${plainAuth}`), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('pop3s speaks TLS from the first byte and takes passwords at once', async () => {
    const c = await fx.connectTls(tlsPort);
    assert.match(await c.line(), /^\+OK/);
    const caps = (await c.multi('CAPA')).lines;
    assert.ok(caps.includes('USER') && caps.includes('SASL PLAIN'));
    assert.ok(!caps.includes('STLS'));
    assert.match(await c.command('STLS'), /^-ERR/);
    assert.match(await c.command(`USER ${USER}`), /^\+OK/);
    assert.match(await c.command(`PASS ${PASSWORD}`), /^\+OK/);
    assert.match(await c.command('STAT'), /^\+OK 1 /);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });
});
