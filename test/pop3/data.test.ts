// Message data on the wire: dot-stuffing and CRLF normalisation of odd
// bodies, TOP boundaries, a 20 MB message streamed, and pipelined commands.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

describe('POP3 message data', () => {
  let fx: Fixture;
  let port: number;

  before(async () => {
    fx = await startFixture();
    ({ port } = await fx.service('pop3'));
  });
  after(() => fx.close());

  const fresh = async (...bodies: Array<string | Buffer>) => {
    const existing = await fx.store.listMessages(fx.inboxId);
    if (existing.length > 0)
      await fx.store.expunge(
        fx.inboxId,
        existing.map((m) => m.uid),
      );
    for (const body of bodies) await fx.deliver(body);
  };

  it('dot-stuffs lines that start with a dot and normalises bare LF to CRLF', async () => {
    const body = 'Subject: dots\n\n.\n..two\n.leading\nmiddle . dot\nbare\rcr stays\n.';
    await fresh(body);
    const c = await fx.login(port);
    assert.match(await c.command('RETR 1'), /^\+OK/);
    const raw = await c.rawBody();
    assert.equal(raw.toString('latin1'), 'Subject: dots\r\n\r\n..\r\n...two\r\n..leading\r\nmiddle . dot\r\nbare\rcr stays\r\n..\r\n');
    assert.match(await c.command('NOOP'), /^\+OK/, 'the terminator was where the client expected it');
    assert.match(await c.command('TOP 1 2'), /^\+OK/);
    assert.equal((await c.rawBody()).toString('latin1'), 'Subject: dots\r\n\r\n..\r\n...two\r\n');
    c.close();
    await fx.unlocked();
  });

  it('TOP 0 sends only the header and the blank line; a message without a body gets all of it', async () => {
    await fresh('Subject: x\r\nX-Long: a\r\n b\r\n\r\nbody 1\r\nbody 2', 'Subject: header only\r\nX-A: 1\r\n');
    const c = await fx.login(port);
    assert.match(await c.command('TOP 1 0'), /^\+OK/);
    assert.equal((await c.body()).toString(), 'Subject: x\r\nX-Long: a\r\n b\r\n\r\n');
    assert.match(await c.command('TOP 1 1'), /^\+OK/);
    assert.equal((await c.body()).toString(), 'Subject: x\r\nX-Long: a\r\n b\r\n\r\nbody 1\r\n');
    assert.match(await c.command('RETR 1'), /^\+OK/);
    assert.equal((await c.body()).toString(), 'Subject: x\r\nX-Long: a\r\n b\r\n\r\nbody 1\r\nbody 2\r\n', 'a final CRLF is added');
    assert.match(await c.command('TOP 2 0'), /^\+OK/);
    assert.equal((await c.body()).toString(), 'Subject: header only\r\nX-A: 1\r\n');
    c.close();
    await fx.unlocked();
  });

  it('TOP reads on past its first 16 KB when the lines asked for are not all there', async () => {
    // 40-byte lines, every 7th starting with a dot, so dot lines straddle the read boundaries.
    const bodyLines = Array.from({ length: 3000 }, (_, i) => `${i % 7 === 0 ? '.' : 'x'}${String(i).padStart(37, '0')}\r\n`);
    const header = `Subject: long\r\nX-Pad: ${'h'.repeat(20_000)}\r\n\r\n`;
    await fresh(header + bodyLines.join(''));
    const c = await fx.login(port);
    for (const n of [0, 1, 500, 2999, 5000]) {
      assert.match(await c.command(`TOP 1 ${n}`), /^\+OK/);
      assert.equal((await c.body()).toString(), header + bodyLines.slice(0, n).join(''), `TOP 1 ${n}`);
    }
    c.close();
    await fx.unlocked();
  });

  it('answers many pipelined commands sent in one write, in order', async () => {
    await fresh(message('p1'), message('p2', '.dot\r\n'), message('p3'));
    const c = await fx.connect(port);
    await c.line();
    const commands = [
      `USER ${USER}`,
      `PASS ${PASSWORD}`,
      'STAT',
      'LIST',
      'RETR 2',
      'UIDL 1',
      'TOP 3 0',
      'DELE 1',
      'LIST 1',
      'NOOP',
      'RSET',
      'XYZZY',
    ];
    for (let i = 0; i < 50; i++) commands.push(`LIST ${(i % 3) + 1}`);
    commands.push('QUIT');
    c.send(`${commands.join('\r\n')}\r\n`);
    const replies: string[] = [];
    for (const command of commands) {
      const status = await c.line();
      replies.push(status);
      if (status.startsWith('+OK') && /^(LIST|RETR|TOP|UIDL)$/.test(command)) await c.lines();
      else if (status.startsWith('+OK') && /^(RETR|TOP) /.test(command)) {
        const body = await c.body();
        if (command === 'RETR 2') assert.equal(body.toString(), message('p2', '.dot\r\n'));
      }
    }
    assert.equal(replies.length, commands.length);
    assert.match(replies[2] ?? '', /^\+OK 3 /);
    assert.match(replies[8] ?? '', /^-ERR/, 'LIST 1 after DELE 1');
    assert.match(replies[11] ?? '', /^-ERR Unknown command/);
    for (let i = 0; i < 50; i++) assert.match(replies[12 + i] ?? '', new RegExp(`^\\+OK ${(i % 3) + 1} \\d+$`));
    assert.match(replies.at(-1) ?? '', /^\+OK/);
    await c.waitClosed();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 3, 'RSET undid the DELE');
    await fx.unlocked();
  });

  it('streams a 20 MB message byte-exact without holding it in memory', async () => {
    // Lines of 76 characters plus some dot lines, like a base64 attachment.
    const line = `${'A'.repeat(75)}=\r\n`;
    const lines = Math.ceil((20 * 1024 * 1024) / line.length);
    const stored = createHash('sha256');
    const stuffed = createHash('sha256');
    const parts = ['Subject: big\r\n\r\n'];
    for (let i = 0; i < lines; i++) parts.push(i % 10_000 === 0 ? `.${line}` : line);
    for (const part of parts) {
      stored.update(part);
      stuffed.update(part.startsWith('.') ? `.${part}` : part);
    }
    const big = Buffer.from(parts.join(''));
    parts.length = 0;
    await fresh(big);
    const size = big.length;
    const c = await fx.login(port);
    // Live memory, not garbage waiting for a collection: measured right after a forced GC.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage();
    let received = 0;
    let nextCheck = 0;
    let peak = 0;
    const wire = createHash('sha256');
    assert.equal(await c.command('RETR 1'), `+OK ${size} octets`);
    await c.streamBody((raw) => {
      received += raw.length;
      wire.update(raw);
      if (received < nextCheck) return;
      nextCheck = received + 2 * 1024 * 1024;
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - heapBefore.arrayBuffers);
    });
    assert.equal(wire.digest('hex'), stuffed.digest('hex'), 'the dot-stuffed bytes of the stored message');
    assert.ok(received > size, 'dot lines got their extra dot');
    void stored;
    // Loose: the server must not hold the 20 MB message (it reads 64 KB at a time); the client keeps nothing.
    assert.ok(peak < 16 * 1024 * 1024, `live buffers grew by ${peak} bytes while streaming`);
    assert.match(await c.command('TOP 1 3'), /^\+OK/);
    assert.equal((await c.body()).toString(), `Subject: big\r\n\r\n.${line}${line}${line}`);
    c.close();
    await fx.unlocked();
  });
});
