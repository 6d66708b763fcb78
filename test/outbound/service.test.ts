// The queue Service as the supervisor runs it: it delivers what a crash left
// in the queue as soon as it starts, wakes up on the store's change feed when
// a message is queued, sleeps until the next retry is due, and stops promptly.

import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createService, QueueService, type TimerApi } from '../../firmware/delivery/outbound/service.ts';
import type { ListenerContext } from '../../firmware/supervisor/service.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { FakeClock, MINUTE, memoryLogger, message, type StoreFixture, T0, tempStore, testRunner } from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

/** Poll until `check` holds (bounded: the test fails instead of hanging). */
async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('queue service', () => {
  let dns: TestDnsServer;
  let mx: SmtpSink;
  const rcptReplies: string[] = [];

  before(async () => {
    dns = await TestDnsServer.start();
    mx = await SmtpSink.start({ host: '127.0.0.7', onRcpt: () => rcptReplies.shift() });
    dns.add('far.test', { type: 'MX', exchange: 'mx.far.test', priority: 10 }).add('mx.far.test', { type: 'A', address: '127.0.0.7' });
  });

  after(async () => {
    await Promise.all([mx.close(), dns.close()]);
  });

  let fx: StoreFixture;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    fx = await tempStore(clock);
    await fx.store.setSettings({ 'dns.servers': [dns.address] });
    mx.received.length = 0;
    rcptReplies.length = 0;
  });

  afterEach(async () => {
    await fx.close();
  });

  function context(): ListenerContext {
    return {
      name: 'queue',
      store: fx.store,
      log: memoryLogger(),
      hostname: 'box.here.test',
      dataDir: fx.dir,
      tls: { certPath: '', keyPath: '' },
      dev: true,
      now: clock.now,
      options: { mxPort: mx.port, pollMs: 60_000 },
    };
  }

  it('delivers what was queued before it started, then what is queued while it runs', async () => {
    const leftOver = await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Left over'),
    });
    const service = createService(context());
    await service.start();
    try {
      await until(async () => (await fx.store.getQueueItem(leftOver.id)) === undefined);
      assert.equal(mx.received.length, 1);
      // Woken by the change feed, not by the 60 s poll.
      await fx.store.enqueue({
        from: 'ann@here.test',
        recipients: ['cid@far.test'],
        body: message('ann@here.test', 'cid@far.test', 'While running'),
      });
      await until(async () => (await fx.store.listQueue()).length === 0);
      assert.deepEqual(
        mx.received.map((m) => m.to[0]),
        ['bob@far.test', 'cid@far.test'],
      );
    } finally {
      const t = Date.now();
      await service.stop(Date.now() + 2000);
      assert.ok(Date.now() - t < 1000, 'stops promptly when idle');
    }
  });

  it('stops by its deadline while a remote host never answers, and keeps the message', async () => {
    // Accepts connections and never says a word, like a black-holed MX.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.12', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    dns
      .set('silent.test', { type: 'MX', exchange: 'mx.silent.test', priority: 10 })
      .set('mx.silent.test', { type: 'A', address: '127.0.0.12' });
    try {
      const { runner, log } = testRunner(fx.store, clock, dns, {
        mxPort: silentPort,
        timeouts: { connectMs: 60_000, greetingMs: 60_000, socketMs: 60_000 },
      });
      const service = new QueueService(runner, fx.store, log, clock.now);
      const item = await fx.store.enqueue({
        from: 'ann@here.test',
        recipients: ['bob@silent.test'],
        body: message('ann@here.test', 'bob@silent.test', 'Black hole'),
      });
      await service.start();
      await until(async () => sockets.size > 0);
      const t = Date.now();
      await service.stop(Date.now() + 500);
      const took = Date.now() - t;
      assert.ok(took < 1500, `stop took ${took} ms`);
      const left = await fx.store.getQueueItem(item.id);
      assert.equal(left?.recipients[0]?.status, 'pending', 'still queued for the next start');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('delivers fresh mail while retries to a black-holed host still hang', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(mx.port, '127.0.0.14', resolve));
    dns.set('hole.test', { type: 'MX', exchange: 'mx.hole.test', priority: 10 }).set('mx.hole.test', { type: 'A', address: '127.0.0.14' });
    try {
      const { runner } = testRunner(fx.store, clock, dns, {
        mxPort: mx.port,
        concurrency: 1,
        retryConcurrency: 1,
        timeouts: { connectMs: 60_000, greetingMs: 60_000, socketMs: 60_000 },
      });
      const stuck = await fx.store.enqueue({
        from: 'ann@here.test',
        recipients: ['x@hole.test'],
        body: message('ann@here.test', 'x@hole.test', 'Stuck'),
      });
      await fx.store.updateQueueItem(stuck.id, { attempts: 3 });
      await fx.store.enqueue({
        from: 'ann@here.test',
        recipients: ['bob@far.test'],
        body: message('ann@here.test', 'bob@far.test', 'Fresh'),
      });
      const pass = await runner.dispatch();
      assert.equal(pass.count, 2);
      await until(async () => mx.received.length === 1);
      assert.equal(sockets.size, 1, 'the retry is still waiting for a greeting');
      runner.closeConnections();
      const summary = await pass.done;
      assert.equal(summary.delivered, 1);
      assert.equal(summary.deferred, 1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sleeps until the next retry is due, at most pollMs', async () => {
    rcptReplies.push('451 4.7.1 later');
    const timers: Array<{ ms: number }> = [];
    const fakeTimers: TimerApi = {
      set: (_fn, ms) => {
        const t = { ms };
        timers.push(t);
        return t;
      },
      clear: () => {},
    };
    clock.t = T0;
    const { runner, log } = testRunner(fx.store, clock, dns, { mxPort: mx.port });
    const service = new QueueService(runner, fx.store, log, clock.now, { pollMs: 60 * MINUTE, timers: fakeTimers });
    const item = await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Later'),
    });
    await service.start();
    await service.waitIdle();
    assert.equal((await fx.store.getQueueItem(item.id))?.attempts, 1);
    // Its own update woke it once more; that pass found nothing due.
    assert.equal(service.lastSummary?.attempted, 0);
    assert.equal(timers.at(-1)?.ms, 5 * MINUTE, 'woken for the retry in 5 minutes');
    await service.stop(Date.now() + 1000);

    const short = new QueueService(runner, fx.store, log, clock.now, { pollMs: MINUTE, timers: fakeTimers });
    await short.start();
    await short.waitIdle();
    assert.equal(timers.at(-1)?.ms, MINUTE, 'never sleeps longer than pollMs');
    await short.stop(Date.now() + 1000);
  });
});
