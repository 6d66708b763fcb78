// The admin-room pieces the web UI brought: mail counters (hourly buckets,
// today, a 24-hour series, saved and loaded; reported across threads), the log
// ring (filters, redaction kept, lines from another thread), the tar writer and
// reader, and the web actions on a real store.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { type AdminDeps, runAdminAction } from '../../firmware/admin/actions.ts';
import { collectLogLines, createLogRing, logRingStream } from '../../firmware/admin/log-ring.ts';
import { collectMailCounters, createMailCounters, loadMailCounters, saveMailCounters } from '../../firmware/admin/mail-counters.ts';
import { storeAddresses, storePasswords } from '../../firmware/admin/store-tools.ts';
import { readTar, tarDirectory, tarHeader } from '../../firmware/admin/tar.ts';
import { isPochtaError } from '../../firmware/errors.ts';
import { createLogger } from '../../firmware/log.ts';
import { openStore } from '../../firmware/store/index.ts';
import type { MailStore } from '../../firmware/store/types.ts';

const HOUR = 3_600_000;

describe('mail counters', () => {
  it('counts per hour, sums today, and keeps a 24-hour series', () => {
    let t = new Date(2026, 10, 27, 13, 30).getTime();
    const counters = createMailCounters({ now: () => t });
    counters.count('in', 2);
    t -= 2 * HOUR;
    counters.count('out');
    t -= 14 * HOUR; // yesterday evening: in the series, not in today
    counters.count('bounced');
    t += 16 * HOUR;
    const snap = counters.snapshot();
    assert.deepEqual(snap.today, { in: 2, out: 1, rejectedDnsbl: 0, rejectedAuth: 0, bounced: 0 });
    assert.equal(snap.series.length, 24);
    assert.equal(snap.series[23]!.in, 2);
    assert.equal(snap.series[21]!.out, 1);
    assert.equal(snap.series[7]!.bounced, 1);
    assert.equal(
      snap.series.reduce((s, h) => s + h.bounced, 0),
      1,
    );
  });

  it('saves and loads; a broken file starts from zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-counters-'));
    try {
      const now = () => 1_800_000_000_000;
      const a = createMailCounters({ now });
      a.count('rejectedAuth', 4);
      await saveMailCounters(join(dir, 'c.json'), a);
      assert.equal((await loadMailCounters(join(dir, 'c.json'), now)).snapshot().series[23]!.rejectedAuth, 4);
      await writeFile(join(dir, 'bad.json'), '{"x": ');
      assert.equal((await loadMailCounters(join(dir, 'bad.json'), now)).snapshot().today.in, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('collects what a listener thread reports', async () => {
    const counters = createMailCounters({ now: Date.now });
    const stop = collectMailCounters(counters, 'test-counters');
    const worker = new Worker(
      `const { BroadcastChannel } = require('node:worker_threads');
       const c = new BroadcastChannel('test-counters');
       c.postMessage({ kind: 'in', n: 3 }); c.postMessage({ kind: 'nonsense' }); c.postMessage({ kind: 'rejectedDnsbl' });
       setTimeout(() => c.close(), 50);`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('exit', resolve));
    const deadline = Date.now() + 2000;
    while (counters.snapshot().today.rejectedDnsbl === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop();
    assert.equal(counters.snapshot().today.in, 3);
    assert.equal(counters.snapshot().today.rejectedDnsbl, 1);
  });
});

describe('log ring', () => {
  it('keeps the newest lines, filters them, and takes pino output with its redaction', () => {
    const ring = createLogRing({ size: 3 });
    const log = createLogger({ level: 'info', destination: logRingStream(ring) });
    log.child({ listener: 'smtp' }).child({ conn: 'c1' }).info({ password: 'hunter2' }, 'one');
    log.warn('two');
    log.child({ listener: 'imap' }).error('three');
    log.info('four');
    const all = ring.tail();
    assert.deepEqual(
      all.lines.map((l) => l.msg),
      ['two', 'three', 'four'],
    );
    assert.equal(ring.tail({ level: 'warn' }).lines.length, 2);
    assert.deepEqual(
      ring.tail({ listener: 'imap' }).lines.map((l) => l.msg),
      ['three'],
    );
    assert.equal(ring.tail({ since: all.next }).lines.length, 0);
    const r2 = createLogRing();
    createLogger({ level: 'info', destination: logRingStream(r2) })
      .child({ listener: 'smtp', conn: 'c9' })
      .info({ password: 'hunter2' }, 'x');
    const line = r2.tail().lines[0]!;
    assert.equal(line.conn, 'c9');
    assert.equal(line.fields['password'], '[redacted]');
  });

  it('collects lines another thread posts', async () => {
    const ring = createLogRing();
    const stop = collectLogLines(ring, 'test-logs');
    const worker = new Worker(
      `const { BroadcastChannel } = require('node:worker_threads');
       const c = new BroadcastChannel('test-logs');
       c.postMessage(JSON.stringify({ level: 40, time: 1, msg: 'from a thread', listener: 'pop3' }) + '\\n');
       setTimeout(() => c.close(), 50);`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('exit', resolve));
    const deadline = Date.now() + 2000;
    while (ring.tail().lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop();
    assert.equal(ring.tail().lines[0]?.msg, 'from a thread');
    assert.equal(ring.tail().lines[0]?.level, 'warn');
  });
});

describe('tar', () => {
  it('writes what it reads back, long names included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-tar-'));
    try {
      const deep = join(dir, 'in', 'blobs', 'ab', 'x'.repeat(60), 'y'.repeat(40));
      await mkdir(deep, { recursive: true });
      await writeFile(join(deep, 'body'), Buffer.alloc(1500, 7));
      await writeFile(join(dir, 'in', 'empty'), '');
      const chunks: Buffer[] = [];
      for await (const c of tarDirectory(join(dir, 'in'))) chunks.push(c as Buffer);
      await writeFile(join(dir, 'out.tar'), Buffer.concat(chunks));
      const entries = await readTar(join(dir, 'out.tar'), { extractTo: join(dir, 'out') });
      const body = entries.find((e) => e.name.endsWith('/body'))!;
      assert.equal(body.size, 1500);
      assert.ok(body.name.length > 100);
      assert.ok(entries.some((e) => e.name === 'empty' && e.size === 0));
      assert.equal((await import('node:fs')).readFileSync(join(dir, 'out', body.name)).length, 1500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses names that would leave the target directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-tar-'));
    try {
      await writeFile(join(dir, 'evil.tar'), Buffer.concat([tarHeader('../escape', 0, 'file', 0), Buffer.alloc(1024)]));
      await assert.rejects(readTar(join(dir, 'evil.tar'), { extractTo: join(dir, 'x') }), /unsafe name/);
      await writeFile(join(dir, 'junk.tar'), Buffer.alloc(1024, 65));
      await assert.rejects(readTar(join(dir, 'junk.tar')), /not a tar/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('web actions on a real store', () => {
  let dir: string;
  let store: MailStore;
  let deps: AdminDeps;
  const run = (action: string, params: Record<string, unknown> = {}) => runAdminAction(deps, action, params);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-webact-'));
    store = await openStore({ dir });
    deps = {
      store,
      config: { dev: true, dataDir: dir, hostname: 'box.local' },
      passwords: storePasswords,
      addresses: storeAddresses,
      version: 't',
      now: Date.now,
    };
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('admin password: weak refused, stored hashed, verified, reset', async () => {
    await assert.rejects(run('admin.password.set', { password: 'admin12345' }), (e: unknown) => isPochtaError(e, 'WEAK_PASSWORD'));
    await run('admin.password.set', { password: 'Correct-Horse-Battery-42' });
    assert.deepEqual(await run('auth.verify', { username: 'Admin', password: 'Correct-Horse-Battery-42' }), {
      role: 'admin',
      username: 'admin',
    });
    await assert.rejects(run('auth.verify', { username: 'admin', password: 'nope' }), (e: unknown) => isPochtaError(e, 'AUTH_FAILED'));
    await assert.rejects(run('auth.verify', { username: 'ghost@box.local', password: 'nope' }), (e: unknown) =>
      isPochtaError(e, 'AUTH_FAILED'),
    );
    const state = (await run('web.state')) as { hasAdminPassword: boolean; hostname: string };
    assert.equal(state.hasAdminPassword, true);
    assert.equal(state.hostname, 'box.local');
    await run('admin.reset');
    assert.equal(((await run('web.state')) as { hasAdminPassword: boolean }).hasAdminPassword, false);
  });

  it('setup.finish checks everything before writing anything', async () => {
    await assert.rejects(run('setup.finish', { domain: 'office.test', hostname: 'not a host' }), /^PochtaError: hostname:/);
    await assert.rejects(
      run('setup.finish', { domain: 'office.test', smarthost: { host: 'smtp.isp.test', port: 0 } }),
      (e: unknown) => isPochtaError(e) && e.detail.startsWith('smarthost.port:'),
    );
    assert.equal(await store.getDomain('office.test'), undefined);
    const done = (await run('setup.finish', {
      domain: 'Office.Test',
      hostname: 'mail.office.test',
      users: [{ address: 'anna', password: 'Orange-Bicycle-Window-3', quota: '1G' }],
    })) as { users: string[] };
    assert.deepEqual(done.users, ['anna@office.test']);
    assert.equal((await store.findAccount('anna@office.test'))?.quotaBytes, 1024 ** 3);
    assert.equal(await store.getSetting('setup.done'), true);
    assert.equal(((await run('web.state')) as { hostname: string }).hostname, 'mail.office.test');
  });

  it('presence.request needs a panel; log.tail and stats.mail answer without one', async () => {
    await assert.rejects(run('presence.request', { timeoutMs: 5000 }), (e: unknown) => isPochtaError(e, 'DAEMON_NOT_RUNNING'));
    await assert.rejects(run('presence.request', { timeoutMs: 5 }), (e: unknown) => isPochtaError(e, 'INVALID_ARGUMENT'));
    assert.deepEqual(await run('log.tail'), { lines: [], next: 0, available: false });
    const stats = (await run('stats.mail')) as { available: boolean; series: unknown[] };
    assert.equal(stats.available, false);
    assert.equal(stats.series.length, 24);
  });
});

describe('system facts', () => {
  it('reads this host and decodes the Pi throttling flags', async () => {
    const { parseThrottled, readSystemFacts } = await import('../../webui/server/system-facts.ts');
    const facts = await readSystemFacts({ dataDir: tmpdir(), vcgencmd: '/nonexistent/vcgencmd' });
    assert.ok(facts.memory.totalBytes > 0);
    assert.ok(facts.disk && facts.disk.totalBytes >= facts.disk.freeBytes);
    assert.equal(facts.load.length, 3);
    assert.equal(facts.throttled, undefined, 'no vcgencmd, no throttling facts');
    assert.deepEqual(parseThrottled('throttled=0x50005\n'), {
      raw: '0x50005',
      undervoltageNow: true,
      throttledNow: true,
      undervoltageSinceBoot: true,
      throttledSinceBoot: true,
    });
    assert.equal(parseThrottled('throttled=0x0')?.undervoltageNow, false);
    assert.equal(parseThrottled('garbage'), undefined);
  });
});
