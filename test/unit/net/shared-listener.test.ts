// The plumbing IMAP and POP3 share (firmware/net): the login throttle against a
// real store, and the TCP listener's per-address and total limits over real
// loopback sockets.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { isLoopback } from '../../../firmware/net/cidr.ts';
import { createPasswordThrottle } from '../../../firmware/net/password-check.ts';
import { createTcpListener, type ListenerConnection } from '../../../firmware/net/tcp-listener.ts';
import { hashPassword } from '../../../firmware/store/index.ts';
import type { Logger } from '../../../firmware/supervisor/service.ts';
import { type TestStore, tempStore } from '../store/helpers.ts';

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silent,
};

describe('createPasswordThrottle', () => {
  let fixture: TestStore;
  let clock = 0;
  const slept: number[] = [];

  before(async () => {
    fixture = await tempStore();
    await fixture.store.addDomain('example.test');
    await fixture.store.createAccount({ address: 'ann@example.test', passwordHash: await hashPassword('right-horse-battery') });
  });
  after(() => fixture.cleanup());

  const throttle = () =>
    createPasswordThrottle({
      store: fixture.store,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
      },
      maxFailures: 3,
      windowMs: 60_000,
      delayMs: (failures) => failures * 100,
    });

  it('returns the account for the right password, undefined (after a growing delay) for a wrong one', async () => {
    const check = throttle();
    slept.length = 0;
    assert.equal((await check('ANN@example.test', 'right-horse-battery', '192.0.2.1'))?.address, 'ann@example.test');
    assert.equal(await check('ann@example.test', 'wrong', '192.0.2.1'), undefined);
    assert.equal(await check('nobody@example.test', 'wrong', '192.0.2.1'), undefined);
    assert.equal(await check('not an address', 'wrong', '192.0.2.1'), undefined);
    assert.deepEqual(slept, [100, 200, 300]);
  });

  it('refuses an address with AUTH_THROTTLED after maxFailures within the window, even with the right password', async () => {
    const check = throttle();
    for (let i = 0; i < 3; i++) await check('ann@example.test', 'wrong', '192.0.2.7');
    await assert.rejects(check('ann@example.test', 'right-horse-battery', '192.0.2.7'), (err: unknown) =>
      isPochtaError(err, 'AUTH_THROTTLED'),
    );
    // another client address is not affected; after the window the first one may try again
    assert.ok(await check('ann@example.test', 'right-horse-battery', '192.0.2.8'));
    clock += 60_001;
    assert.ok(await check('ann@example.test', 'right-horse-battery', '192.0.2.7'));
  });
});

describe('createTcpListener', () => {
  it('refuses a client over the per-address limit with its refusal line and serves the rest', async () => {
    const opened: net.Socket[] = [];
    const listener = createTcpListener<ListenerConnection>({
      protocol: 'test',
      log: silent,
      now: Date.now,
      setTimer: (ms, fn) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
      maxConnectionsPerIp: 2,
      refuse: { perIp: '-ERR too many from you\r\n', total: '-ERR too many\r\n' },
      open: (socket) => {
        opened.push(socket);
        let finish: () => void = () => {};
        const done = new Promise<void>((resolve) => {
          finish = resolve;
        });
        socket.on('close', () => finish());
        return {
          done,
          start: () => socket.write('+OK hello\r\n'),
          close: async () => {
            socket.end('+OK bye\r\n');
            await done;
          },
          destroy: () => socket.destroy(),
        };
      },
    });
    const address = await listener.listen(0, '127.0.0.1');
    const firstLine = (port: number) =>
      new Promise<{ line: string; socket: net.Socket }>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.setEncoding('utf8');
        socket.once('data', (line: string) => resolve({ line, socket }));
        socket.once('error', reject);
      });
    try {
      const a = await firstLine(address.port);
      const b = await firstLine(address.port);
      const c = await firstLine(address.port);
      assert.equal(a.line, '+OK hello\r\n');
      assert.equal(b.line, '+OK hello\r\n');
      assert.equal(c.line, '-ERR too many from you\r\n');
      assert.equal(listener.connections.size, 2);
      a.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const d = await firstLine(address.port);
      assert.equal(d.line, '+OK hello\r\n', 'a freed slot is usable again');
      for (const s of [b.socket, c.socket, d.socket]) s.destroy();
    } finally {
      await listener.close(Date.now() + 1000);
    }
    assert.equal(listener.connections.size, 0);
  });

  it('knows loopback addresses, IPv4-mapped ones included', () => {
    assert.equal(isLoopback('127.0.0.9'), true);
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    assert.equal(isLoopback('192.0.2.1'), false);
  });
});
