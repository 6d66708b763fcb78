// Smarthost relay: every message goes to one server, over STARTTLS with AUTH,
// whatever the recipients' domains. The sink requires AUTH and has a
// self-signed certificate made with openssl for this test.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { TestDnsServer } from '../support/dns-server.ts';
import {
  FakeClock,
  largeMessage,
  message,
  type StoreFixture,
  selfSignedCert,
  T0,
  tempDir,
  tempStore,
  testRunner,
} from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

describe('outbound queue: smarthost', () => {
  let dns: TestDnsServer;
  let sink: SmtpSink;
  let implicitSink: SmtpSink;
  let plainSink: SmtpSink;
  let cert: { key: string; cert: string };
  let certDir: { dir: string; remove(): Promise<void> };

  before(async () => {
    dns = await TestDnsServer.start();
    certDir = await tempDir();
    cert = await selfSignedCert(certDir.dir, 'smarthost.test');
    const auth = { user: 'office@isp.test', pass: 's3cret-relay' };
    sink = await SmtpSink.start({ tls: cert, auth });
    implicitSink = await SmtpSink.start({ tls: cert, secure: true, auth });
    // Offers STARTTLS, but the setting says plain: it must not be used.
    plainSink = await SmtpSink.start({ tls: cert });
  });

  after(async () => {
    await Promise.all([sink.close(), implicitSink.close(), plainSink.close(), dns.close(), certDir.remove()]);
  });

  let clock: FakeClock;
  let fx: StoreFixture;

  beforeEach(async () => {
    clock = new FakeClock();
    fx = await tempStore(clock);
    await fx.store.addDomain('here.test');
    await fx.store.createAccount({ address: 'ann@here.test', passwordHash: 'x' });
    sink.received.length = 0;
    implicitSink.received.length = 0;
  });

  afterEach(async () => {
    await fx.close();
  });

  it('relays every domain in one transaction over STARTTLS with AUTH', async () => {
    await fx.store.setSettings({
      'relay.smarthost': { host: '127.0.0.1', port: sink.port, tls: 'starttls', user: 'office@isp.test', password: 's3cret-relay' },
    });
    const { runner } = testRunner(fx.store, clock, dns, { smarthostTls: { ca: cert.cert }, streamAboveBytes: 0 });
    const body = largeMessage('ann@here.test', 'bob@far.test', 'Via ISP');
    const item = await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test', 'eve@elsewhere.test'],
      body,
    });
    const summary = await runner.runOnce();
    assert.equal(summary.delivered, 2);
    assert.equal(sink.received.length, 1);
    const got = sink.received[0];
    assert.deepEqual(got?.to, ['bob@far.test', 'eve@elsewhere.test']);
    assert.equal(got?.secure, true, 'upgraded with STARTTLS');
    assert.equal(got?.user, 'office@isp.test');
    assert.equal(got?.body.toString(), body.toString(), 'streamed from the blob file unchanged');
    assert.equal(await fx.store.getQueueItem(item.id), undefined);
    assert.equal(dns.log.length, 0, 'no MX lookups in smarthost mode');
  });

  it('relays over implicit TLS', async () => {
    await fx.store.setSettings({
      'relay.smarthost': { host: '127.0.0.1', port: implicitSink.port, tls: 'implicit', user: 'office@isp.test', password: 's3cret-relay' },
    });
    const { runner } = testRunner(fx.store, clock, dns, { smarthostTls: { ca: cert.cert } });
    await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Implicit'),
    });
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.equal(implicitSink.received[0]?.secure, true);
  });

  it('speaks plain SMTP only when the setting says tls: none', async () => {
    await fx.store.setSettings({ 'relay.smarthost': { host: '127.0.0.1', port: plainSink.port, tls: 'none' } });
    const { runner } = testRunner(fx.store, clock, dns);
    await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Plain'),
    });
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.equal(plainSink.received[0]?.secure, false);
  });

  it('keeps mail queued (no bounce) when the login is refused', async () => {
    await fx.store.setSettings({
      'relay.smarthost': { host: '127.0.0.1', port: sink.port, tls: 'starttls', user: 'office@isp.test', password: 'wrong' },
    });
    const { runner } = testRunner(fx.store, clock, dns, { smarthostTls: { ca: cert.cert }, streamAboveBytes: 0 });
    const item = await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: largeMessage('ann@here.test', 'bob@far.test', 'Bad login'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.deferred, 1);
    assert.equal(summary.bounces, 0);
    const left = await fx.store.getQueueItem(item.id);
    assert.equal(left?.recipients[0]?.status, 'pending');
    assert.match(left?.recipients[0]?.lastError ?? '', /^451 4\.4\.1 Smarthost 127\.0\.0\.1:\d+: .*535/);
    assert.equal(left?.nextAttemptAt, T0 + 5 * 60_000);
  });

  it('refuses a smarthost certificate it cannot verify (mail waits)', async () => {
    await fx.store.setSettings({
      'relay.smarthost': { host: '127.0.0.1', port: sink.port, tls: 'starttls', user: 'office@isp.test', password: 's3cret-relay' },
    });
    const { runner } = testRunner(fx.store, clock, dns);
    await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Untrusted'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.deferred, 1);
    assert.equal(sink.received.length, 0);
  });
});
