// Random bytes over a real socket, in random chunks: every line gets exactly
// one status reply (or a multi-line one), the session never breaks, and the
// server stays in sync for a real command afterwards.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fixture, message, startFixture } from './support/fixture.ts';

describe('POP3 fuzz', () => {
  let fx: Fixture;
  let port: number;

  before(async () => {
    fx = await startFixture();
    ({ port } = await fx.service('pop3'));
    await fx.deliver(message('fuzz'));
  });
  after(() => fx.close());

  it('survives random lines in AUTHORIZATION and stays in sync', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const words = ['USER', 'PASS', 'AUTH', 'STAT', 'LIST', 'RETR', 'TOP', 'DELE', 'UIDL', 'CAPA', 'NOOP', 'RSET', 'APOP', 'STLS', 'X'];
    const c = await fx.connect(port);
    await c.line();
    let expected = 0;
    for (let i = 0; i < 300; i++) {
      const parts: Buffer[] = [];
      const kind = random(4);
      if (kind === 0) {
        parts.push(Buffer.from(Array.from({ length: random(40) }, () => random(256)).filter((b) => b !== 0x0a)));
      } else {
        // Avoid logging in and commands that wait for more input (a bare AUTH PLAIN continuation).
        const word = words[random(words.length)] ?? 'X';
        const safe = word === 'PASS' || word === 'STLS' || word === 'AUTH' ? `${word}x` : word;
        parts.push(Buffer.from(`${kind === 1 ? safe.toLowerCase() : safe} ${'9'.repeat(random(12))} ${'.'.repeat(random(3))}`));
      }
      if (random(10) === 0) parts.push(Buffer.alloc(300, 0x41));
      parts.push(Buffer.from(random(2) === 0 ? '\r\n' : '\n'));
      const bytes = Buffer.concat(parts);
      for (let at = 0; at < bytes.length; ) {
        const step = 1 + random(bytes.length);
        c.send(bytes.subarray(at, at + step));
        at += step;
      }
      expected++;
    }
    for (let i = 0; i < expected; i++) {
      const status = await c.line();
      assert.match(status, /^(\+OK|-ERR)/, `reply ${i}`);
      // Only CAPA and AUTH (listing) answer with several lines in AUTHORIZATION.
      if (status === '+OK Capability list follows') await c.lines();
    }
    assert.equal(c.unread, 0, 'no reply more than lines sent');
    assert.match(await c.command('CAPA'), /^\+OK/);
    assert.ok((await c.lines()).includes('UIDL'));
    assert.match(await c.command('QUIT'), /^\+OK/);
  });
});
