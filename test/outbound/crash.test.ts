// kill -9 in the middle of a queue run: a fresh runner on the same store
// afterwards delivers everything that was queued. Nothing is lost; a message
// that was in flight at the kill may arrive twice (the remote said 250 but the
// store never heard), at most one per concurrent delivery (8 here).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../firmware/store/index.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { FakeClock, message, tempDir, testRunner } from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'crash-child.ts');
const COUNT = 100;

describe('outbound queue survives kill -9', () => {
  let dns: TestDnsServer;
  let mx: SmtpSink;
  let tmp: { dir: string; remove(): Promise<void> };

  before(async () => {
    dns = await TestDnsServer.start();
    mx = await SmtpSink.start({ host: '127.0.0.10' });
    dns.add('bulk.test', { type: 'MX', exchange: 'mx.bulk.test', priority: 10 }).add('mx.bulk.test', { type: 'A', address: '127.0.0.10' });
    tmp = await tempDir();
  });

  after(async () => {
    await Promise.all([mx?.close(), dns?.close(), tmp?.remove()]);
  });

  it('delivers every queued message after the runner is killed mid-run', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const first = await openStore({ dir: dataDir });
    for (let i = 0; i < COUNT; i++) {
      await first.enqueue({
        from: 'ann@here.test',
        recipients: [`r${i}@bulk.test`],
        body: message('ann@here.test', `r${i}@bulk.test`, `Bulk ${i}`),
      });
    }
    await first.close();

    const child = spawn(process.execPath, [CHILD, dataDir, dns.address, String(mx.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const killAt = COUNT / 5;
    const watcher = setInterval(() => {
      if (mx.received.length >= killAt) child.kill('SIGKILL');
    }, 2);
    const how = await exited;
    clearInterval(watcher);
    assert.equal(how, 'SIGKILL', `child was to be killed mid-run (exit ${String(how)}): ${stderr}`);
    const beforeRestart = mx.received.length;
    assert.ok(beforeRestart < COUNT, 'killed before it finished');

    const store = await openStore({ dir: dataDir });
    try {
      const left = await store.listQueue();
      assert.ok(left.length > 0 && left.length <= COUNT - beforeRestart + 8, `left ${left.length}, delivered ${beforeRestart}`);
      const { runner } = testRunner(store, new FakeClock(Date.now()), dns, { mxPort: mx.port, concurrency: 8 });
      for (let pass = 0; pass < 5 && (await store.listQueue()).length > 0; pass++) await runner.runOnce();
      assert.deepEqual(await store.listQueue(), []);
    } finally {
      await store.close();
    }
    const perRecipient = new Map<string, number>();
    for (const m of mx.received) for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    for (let i = 0; i < COUNT; i++) assert.ok((perRecipient.get(`r${i}@bulk.test`) ?? 0) >= 1, `r${i} delivered`);
    const duplicates = mx.received.length - COUNT;
    assert.ok(duplicates >= 0 && duplicates <= 8, `duplicates ${duplicates}`);
  });
});
