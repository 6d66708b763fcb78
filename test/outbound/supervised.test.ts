// The queue runner as the daemon runs it: a worker thread started by the
// supervisor from firmware/delivery/outbound/service.ts, reaching the store
// through the proxy and hearing about new items on the change feed. A message
// queued in the main thread reaches the remote MX, and a local sender gets
// the bounce for a refused one.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../firmware/log.ts';
import { createSupervisor, type Supervisor } from '../../firmware/supervisor/index.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { parseDsn } from './support/dsn-parse.ts';
import { FakeClock, inboxTexts, message, type StoreFixture, tempStore } from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

const SERVICE = new URL('../../firmware/delivery/outbound/service.ts', import.meta.url);

async function until(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('queue runner under the supervisor', () => {
  let dns: TestDnsServer;
  let mx: SmtpSink;
  let fx: StoreFixture;
  let supervisor: Supervisor;
  let annId: string;

  before(async () => {
    dns = await TestDnsServer.start();
    mx = await SmtpSink.start({ host: '127.0.0.11', onRcpt: (a) => (a.startsWith('nobody@') ? '550 5.1.1 No such user' : undefined) });
    dns.add('far.test', { type: 'MX', exchange: 'mx.far.test', priority: 10 }).add('mx.far.test', { type: 'A', address: '127.0.0.11' });
    fx = await tempStore(new FakeClock(Date.now()));
    await fx.store.setSettings({ 'dns.servers': [dns.address] });
    await fx.store.addDomain('here.test');
    annId = (await fx.store.createAccount({ address: 'ann@here.test', passwordHash: 'x' })).id;
    supervisor = createSupervisor({
      store: fx.store,
      log: createLogger({ level: 'silent' }),
      logLevel: 'silent',
      listeners: [{ name: 'queue', module: SERVICE, options: { mxPort: mx.port } }],
      hostname: 'box.here.test',
      dataDir: fx.dir,
      tls: { certPath: '/nonexistent/cert.pem', keyPath: '/nonexistent/key.pem' },
      dev: true,
      startTimeoutMs: 10_000,
    });
    await supervisor.start();
  });

  after(async () => {
    await supervisor?.stop(Date.now() + 3000);
    await Promise.all([fx?.close(), mx?.close(), dns?.close()]);
  });

  it('runs, delivers what the main thread queues, and bounces to a local sender', async () => {
    assert.equal(supervisor.status().find((s) => s.name === 'queue')?.state, 'running');
    await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test', 'nobody@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Through the worker'),
    });
    await until(async () => (await fx.store.listQueue()).length === 0 && (await inboxTexts(fx.store, annId)).length === 1);
    assert.deepEqual(
      mx.received.map((m) => m.to),
      [['bob@far.test']],
    );
    const dsn = parseDsn(Buffer.from((await inboxTexts(fx.store, annId))[0] ?? ''));
    assert.equal(dsn.recipients[0]?.get('final-recipient'), 'rfc822; nobody@far.test');
    assert.equal(dsn.recipients[0]?.get('status'), '5.1.1');
  });
});
