// The mail health page's outside checks and the DNS helper's SRV records,
// answered by a real DNS server on 127.0.0.1 that the daemon's dns.servers
// setting points at: forward-confirmed reverse DNS of the box's public
// address (the A record of the primary domain's MX host, or the address the
// admin gives), that address on each DNSBL zone in use, and port 25 answered
// by a real SMTP server (smtp-server, as the box's MX listener greets).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { DnsResolver } from '../../firmware/net/resolver.ts';
import type { HealthCheck } from '../../webui/api-types.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { type Client, completeSetup, type Harness, startHarness } from './support.ts';

const PUBLIC = '203.0.113.7';

async function smtpOn(name: string, banner: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new SMTPServer({ name, banner, disabledCommands: ['AUTH', 'STARTTLS'], logger: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('mail health: outside checks, SRV records', () => {
  let h: Harness;
  let admin: Client;
  let dns: TestDnsServer;
  const probe = { port: 1, tryPrivate: false, timeoutMs: 300 };

  const checks = async (): Promise<Map<string, HealthCheck>> => {
    const res = await admin.req('GET', '/api/health-checks');
    assert.equal(res.status, 200, res.body);
    return new Map((res.json.checks as HealthCheck[]).map((c) => [c.id, c]));
  };

  before(async () => {
    dns = await TestDnsServer.start();
    h = await startHarness({
      deps: {
        resolver: (servers) => new DnsResolver({ servers, timeoutMs: 500, tries: 1 }),
        inboundProbe: probe,
      },
    });
    admin = await completeSetup(h, { domain: 'example.test', hostname: 'mail.example.test' });
    const set = await admin.req('PATCH', '/api/settings', {
      values: {
        'dns.servers': [dns.address],
        'dnsbl.zones': [{ zone: 'clean.bl.test' }, { zone: 'dirty.bl.test', codes: ['127.0.0.2'] }, { zone: 'picky.bl.test' }],
      },
    });
    assert.equal(set.status, 200, set.body);
    dns
      .set('example.test', { type: 'MX', exchange: 'mail.example.test', priority: 10 })
      .set('mail.example.test', { type: 'A', address: PUBLIC })
      .set('7.113.0.203.in-addr.arpa', { type: 'PTR', target: 'mail.example.test' })
      .dnsblList('dirty.bl.test', PUBLIC)
      // A list that refuses queries from public resolvers answers with an error code, never a listing.
      .dnsblList('picky.bl.test', PUBLIC, { code: '127.255.255.254' });
  });
  after(async () => {
    await h.close();
    await dns.close();
  });

  it('finds the address through the MX; reverse DNS confirmed both ways; listed on one zone, clean on the other', async () => {
    const c = await checks();
    assert.equal(c.get('rdns')?.status, 'ok', c.get('rdns')?.detail);
    assert.match(c.get('rdns')!.detail, /203\.0\.113\.7 is named mail\.example\.test/);
    assert.equal(c.get('dnsbl-clean.bl.test')?.status, 'ok');
    const dirty = c.get('dnsbl-dirty.bl.test')!;
    assert.equal(dirty.status, 'fail');
    assert.match(dirty.detail, /listed on dirty\.bl\.test/);
    assert.ok(dirty.fix && dirty.fix.length > 20, 'says what to do');
    const picky = c.get('dnsbl-picky.bl.test')!;
    assert.equal(picky.status, 'unknown');
    assert.match(picky.detail, /refused to answer/);
    // The lookups went to the test server, through the dns.servers setting.
    assert.ok(dns.queries('7.113.0.203.dirty.bl.test', 'A') >= 1);
    assert.ok(dns.queries('mail.example.test', 'A') >= 1);
  });

  it('a reverse name that does not point back is red, with what to ask the provider', async () => {
    dns
      .set('7.113.0.203.in-addr.arpa', { type: 'PTR', target: 'dsl-7.isp.test' })
      .set('dsl-7.isp.test', { type: 'A', address: '198.51.100.1' });
    const rdns = (await checks()).get('rdns')!;
    assert.equal(rdns.status, 'fail');
    assert.match(rdns.detail, /does not point back/);
    assert.match(rdns.fix!, /mail\.example\.test/);
    dns.remove('7.113.0.203.in-addr.arpa');
    const none = (await checks()).get('rdns')!;
    assert.equal(none.status, 'fail');
    assert.match(none.detail, /no reverse DNS/);
    dns.set('7.113.0.203.in-addr.arpa', { type: 'PTR', target: 'mail.example.test' });
  });

  it('an IPv6 address given by hand is confirmed through its AAAA record; no MX means "not known"', async () => {
    await admin.req('PUT', '/api/health-checks/address', { address: '2001:db8::25' });
    dns
      .set('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', { type: 'PTR', target: 'mail.example.test' })
      .add('mail.example.test', { type: 'AAAA', address: '2001:0db8:0000::0025' });
    const rdns = (await checks()).get('rdns')!;
    assert.equal(rdns.status, 'ok', rdns.detail);
    await admin.req('PUT', '/api/health-checks/address', { address: null });
    dns.remove('example.test');
    const none = (await checks()).get('inbound-25')!;
    assert.equal(none.status, 'unknown');
    assert.match(none.detail, /no MX record/);
    assert.match(none.fix!, /public address/);
    dns.set('example.test', { type: 'MX', exchange: 'mail.example.test', priority: 10 });
  });

  it('a private address: "cannot test from inside", saying what to check instead', async () => {
    const set = await admin.req('PUT', '/api/health-checks/address', { address: '192.168.1.20' });
    assert.equal(set.status, 200, set.body);
    const c = await checks();
    for (const id of ['inbound-25', 'rdns', 'dnsbl-dirty.bl.test']) {
      assert.equal(c.get(id)?.status, 'unknown', id);
      assert.match(c.get(id)!.detail, /Cannot test from inside/);
      assert.ok(c.get(id)!.fix, `${id} says what to do`);
    }
    assert.match(c.get('inbound-25')!.fix!, /forward TCP port 25/);
    const bad = await admin.req('PUT', '/api/health-checks/address', { address: 'my router' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'address');
    // Cleared: back to the MX host's address.
    assert.equal((await admin.req('PUT', '/api/health-checks/address', { address: null })).status, 200);
    assert.equal((await admin.req('GET', '/api/health-checks')).json.publicAddress, undefined);
  });

  it('port 25: green when the box greets, red when something else or nothing answers', async () => {
    await admin.req('PUT', '/api/health-checks/address', { address: '127.0.0.1' });
    probe.tryPrivate = true;
    const ours = await smtpOn('mail.example.test', 'Pochta');
    const theirs = await smtpOn('old-exchange.office.test', 'Microsoft ESMTP MAIL Service');
    try {
      probe.port = ours.port;
      const ok = (await checks()).get('inbound-25')!;
      assert.equal(ok.status, 'ok', ok.detail);
      assert.match(ok.detail, /answers as this box/);
      probe.port = theirs.port;
      const other = (await checks()).get('inbound-25')!;
      assert.equal(other.status, 'fail');
      assert.match(other.detail, /not as this box/);
    } finally {
      await ours.close();
      await theirs.close();
    }
    const nothing = (await checks()).get('inbound-25')!;
    assert.equal(nothing.status, 'fail');
    assert.match(nothing.detail, /Nothing answered/);
    probe.tryPrivate = false;
    await admin.req('PUT', '/api/health-checks/address', { address: null });
  });

  it('SRV records (RFC 6186) are in the records to publish and checked against what the DNS answers', async () => {
    dns
      .set('_imaps._tcp.example.test', { type: 'SRV', priority: 0, weight: 1, port: 993, target: 'mail.example.test' })
      .set('_submission._tcp.example.test', { type: 'SRV', priority: 10, weight: 1, port: 587, target: 'smtp.elsewhere.test' });
    const res = await admin.req('GET', '/api/dns/example.test');
    assert.equal(res.status, 200, res.body);
    const srv = new Map(
      (res.json.records as { type: string; name: string; value: string; published: { status: string; answers: string[] } }[])
        .filter((r) => r.type === 'SRV')
        .map((r) => [r.name, r]),
    );
    for (const label of ['_submission._tcp', '_imap._tcp', '_imaps._tcp', '_pop3s._tcp', '_pop3._tcp']) {
      assert.ok(srv.has(`${label}.example.test`), `${label} is offered`);
    }
    assert.equal(srv.get('_imaps._tcp.example.test')!.value, '0 1 993 mail.example.test');
    assert.equal(srv.get('_imaps._tcp.example.test')!.published.status, 'match');
    assert.equal(srv.get('_submission._tcp.example.test')!.published.status, 'different');
    assert.deepEqual(srv.get('_submission._tcp.example.test')!.published.answers, ['10 1 587 smtp.elsewhere.test']);
    assert.equal(srv.get('_pop3._tcp.example.test')!.published.status, 'missing');
    const health = (await checks()).get('dns-srv-example.test')!;
    assert.equal(health.status, 'warn');
    assert.match(health.detail, /missing or different/);
  });
});
