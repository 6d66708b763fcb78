// The outbound DeliveryTarget end to end: a transaction commits into the real
// queue, the body is DKIM-signed with the key the store made for the domain,
// the runner carries it to a remote MX, and mailauth verifies the signature
// the remote side received against the TXT record the test DNS server serves.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type DNSResolver, dkimVerify } from 'mailauth';
import { DKIM_HEADERS, fromHeaderDomain, signOutbound } from '../../firmware/delivery/outbound/dkim.ts';
import { createOutboundTarget, isDeliverableAddress } from '../../firmware/delivery/outbound/target.ts';
import type { Envelope } from '../../firmware/delivery/target.ts';
import { DnsResolver, mailauthResolver } from '../../firmware/net/resolver.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { FakeClock, largeMessage, memoryLogger, message, type StoreFixture, tempStore, testRunner } from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

// Our Resolver answers in node's record shapes, which is what mailauth's own resolver type means.
const dnsFor = (r: DnsResolver): DNSResolver => mailauthResolver(r) as DNSResolver;

function envelope(from: string): Envelope {
  return {
    from,
    client: { sessionId: 's1', listener: 'submission', remoteAddress: '192.168.1.20', helo: 'laptop', secure: true, esmtp: true },
    authUser: { accountId: 'a1', address: from },
    mayRelay: true,
    messageId: 'msg-1',
  };
}

describe('outbound target and DKIM', () => {
  let dns: TestDnsServer;
  let mx: SmtpSink;
  let resolver: DnsResolver;

  before(async () => {
    dns = await TestDnsServer.start();
    mx = await SmtpSink.start({ host: '127.0.0.6' });
    dns.add('far.test', { type: 'MX', exchange: 'mx.far.test', priority: 10 }).add('mx.far.test', { type: 'A', address: '127.0.0.6' });
    resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  });

  after(async () => {
    await Promise.all([mx.close(), dns.close()]);
  });

  let clock: FakeClock;
  let fx: StoreFixture;

  beforeEach(async () => {
    // Real time: DKIM verification checks t= against the verifier's clock.
    clock = new FakeClock(Date.now());
    fx = await tempStore(clock);
    mx.received.length = 0;
  });

  afterEach(async () => {
    await fx.close();
  });

  it('queues a committed message once, signed, and the receiver verifies the signature', async () => {
    const domain = await fx.store.addDomain('here.test');
    assert.ok(domain.dkim, 'the store made a DKIM key');
    dns.set(`${domain.dkim.selector}._domainkey.here.test`, { type: 'TXT', text: `v=DKIM1; k=rsa; p=${domain.dkim.publicKeyBase64}` });

    const target = createOutboundTarget({ store: fx.store, hostname: 'box.here.test', now: clock.now, log: memoryLogger() });
    const tx = target.start(envelope('ann@here.test'));
    assert.deepEqual(await tx.addRecipient('bob@far.test'), { ok: true });
    assert.deepEqual(await tx.addRecipient('bob@far.test'), { ok: true }, 'a repeated recipient is accepted');
    assert.equal((await tx.addRecipient('not an address')).ok, false);
    tx.body(largeMessage('ann@here.test', 'bob@far.test', 'Signed mail'));
    const result = await tx.commit();
    assert.ok(result.ok);
    const queued = await fx.store.listQueue();
    assert.equal(queued.length, 1);
    assert.deepEqual(result.ids, [queued[0]?.id]);
    assert.deepEqual(
      queued[0]?.recipients.map((r) => r.address),
      ['bob@far.test'],
    );
    assert.equal(queued[0]?.meta?.['dkim'], 'here.test');
    assert.equal(queued[0]?.meta?.['authUser'], 'ann@here.test');

    const stored = Buffer.from((await fx.store.readBody(queued[0]?.blobId ?? '')) ?? new Uint8Array());
    assert.match(stored.toString(), /^DKIM-Signature: [\s\S]*\r\nReceived: from laptop /);

    // Streamed from the blob file (as large bodies are): the signature must still verify byte for byte.
    const { runner } = testRunner(fx.store, clock, dns, { mxPort: mx.port, streamAboveBytes: 0 });
    assert.equal((await runner.runOnce()).delivered, 1);
    const got = mx.received[0];
    assert.ok(got);
    const verified = await dkimVerify(got.body, { resolver: dnsFor(resolver), sender: 'ann@here.test' });
    const first = verified.results[0];
    assert.equal(first?.status.result, 'pass', JSON.stringify(first?.status));
    assert.equal(first?.signingDomain, 'here.test');
    assert.match(got.body.toString(), /c=relaxed\/relaxed/);
    assert.match(got.body.toString(), /a=rsa-sha256/);
  });

  it('a tampered subject fails verification (the header list covers it)', async () => {
    const domain = await fx.store.addDomain('here.test');
    assert.ok(domain.dkim);
    dns.set(`${domain.dkim.selector}._domainkey.here.test`, { type: 'TXT', text: `v=DKIM1; k=rsa; p=${domain.dkim.publicKeyBase64}` });
    const signed = await signOutbound(message('ann@here.test', 'bob@far.test', 'Original'), 'ann@here.test', fx.store, clock.now);
    assert.equal(signed.domain, 'here.test');
    const tampered = Buffer.from(signed.body.toString().replace('Subject: Original', 'Subject: Changed'));
    const verified = await dkimVerify(tampered, { resolver: dnsFor(resolver) });
    assert.equal(verified.results[0]?.status.result, 'fail');
    assert.ok(DKIM_HEADERS.includes('subject'));
  });

  it('signs with the From header domain, and leaves mail of unknown domains unsigned', async () => {
    await fx.store.addDomain('here.test');
    const body = message('someone@elsewhere.test', 'bob@far.test', 'Foreign');
    assert.equal(fromHeaderDomain(body), 'elsewhere.test');
    const unsigned = await signOutbound(body, 'bounce@elsewhere.test', fx.store, clock.now);
    assert.equal(unsigned.domain, undefined);
    assert.equal(unsigned.body.toString(), body.toString());
    // Envelope sender's domain is the fallback when the From domain has no key.
    const fallback = await signOutbound(body, 'ann@here.test', fx.store, clock.now);
    assert.equal(fallback.domain, 'here.test');
  });

  it('aborts without writing anything, and validates recipient syntax', async () => {
    const target = createOutboundTarget({ store: fx.store, hostname: 'box.here.test', now: clock.now });
    const tx = target.start(envelope('ann@here.test'));
    await tx.addRecipient('bob@far.test');
    tx.body(message('ann@here.test', 'bob@far.test', 'Aborted'));
    tx.abort();
    assert.equal((await tx.commit()).ok, false);
    assert.deepEqual(await fx.store.listQueue(), []);
    assert.equal(isDeliverableAddress('a@b.test'), true);
    assert.equal(isDeliverableAddress('a@[192.0.2.1]'), true);
    for (const bad of ['', 'a', '@b.test', 'a@', 'a b@c.test', 'a@b..test', 'a@b.test>'])
      assert.equal(isDeliverableAddress(bad), false, bad);
  });
});
