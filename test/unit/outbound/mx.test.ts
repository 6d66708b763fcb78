import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostAddresses, orderMx, resolveMxRoute } from '../../../firmware/delivery/outbound/mx.ts';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { TestDnsServer } from '../../support/dns-server.ts';

describe('MX route over a real DNS server on loopback', () => {
  let dns: TestDnsServer;
  let resolver: DnsResolver;

  before(async () => {
    dns = await TestDnsServer.start();
    dns
      .add('far.test', { type: 'MX', exchange: 'mx2.far.test', priority: 20 }, { type: 'MX', exchange: 'mx1.far.test', priority: 10 })
      .add('mx1.far.test', { type: 'A', address: '127.0.0.2' }, { type: 'AAAA', address: '::1' })
      .add('mx2.far.test', { type: 'A', address: '127.0.0.3' })
      .add('nomx.test', { type: 'A', address: '127.0.0.4' })
      .add('nullmx.test', { type: 'MX', exchange: '.', priority: 0 })
      .add('xn--pocht-8ve.test', { type: 'MX', exchange: 'mx1.far.test', priority: 5 })
      .add('broken.test', { type: 'MX', exchange: 'mx.broken.test', priority: 10 })
      .behave('broken.test', { kind: 'servfail' });
    resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 300, tries: 1 });
  });

  after(async () => {
    await dns.close();
  });

  it('orders MX hosts by preference', async () => {
    const route = await resolveMxRoute('far.test', resolver);
    assert.equal(route.kind, 'hosts');
    assert.deepEqual(route.kind === 'hosts' ? route.hosts.map((h) => [h.name, h.preference]) : [], [
      ['mx1.far.test', 10],
      ['mx2.far.test', 20],
    ]);
  });

  it('falls back to the domain itself when it has no MX (NODATA)', async () => {
    const route = await resolveMxRoute('nomx.test', resolver);
    assert.deepEqual(route, { kind: 'hosts', hosts: [{ name: 'nomx.test', preference: 0, implicit: true }] });
  });

  it('recognises a null MX', async () => {
    assert.deepEqual(await resolveMxRoute('nullmx.test', resolver), { kind: 'null-mx' });
  });

  it('reports a domain that does not exist, and a DNS failure, apart', async () => {
    assert.equal((await resolveMxRoute('nowhere.test', resolver)).kind, 'no-domain');
    assert.equal((await resolveMxRoute('broken.test', resolver)).kind, 'dns-error');
  });

  it('lists IPv4 addresses before IPv6 ones, and passes IP literals through', async () => {
    assert.deepEqual(await hostAddresses('mx1.far.test', resolver), { addresses: ['127.0.0.2', '::1'] });
    assert.deepEqual(await hostAddresses('127.0.0.9', resolver), { addresses: ['127.0.0.9'] });
    const none = await hostAddresses('nothing.far.test', resolver);
    assert.ok('error' in none && /no address/.test(none.error));
  });

  it('takes an address literal as the host itself, and looks IDN domains up by their A-label', async () => {
    assert.deepEqual(await resolveMxRoute('[127.0.0.9]', resolver), {
      kind: 'hosts',
      hosts: [{ name: '127.0.0.9', preference: 0, implicit: true }],
    });
    assert.deepEqual(await resolveMxRoute('[IPv6:::1]', resolver), {
      kind: 'hosts',
      hosts: [{ name: '::1', preference: 0, implicit: true }],
    });
    assert.equal((await resolveMxRoute('[not-an-ip]', resolver)).kind, 'no-domain');
    const idn = await resolveMxRoute('pochtа.test'.normalize(), resolver);
    assert.equal(idn.kind, 'hosts');
  });

  it('shuffles hosts of equal preference with the injected random source', () => {
    const records = [
      { exchange: 'a.test', priority: 10 },
      { exchange: 'b.test', priority: 10 },
      { exchange: 'c.test', priority: 5 },
    ];
    const seq = (values: number[]) => () => values.shift() ?? 0;
    assert.deepEqual(
      orderMx(records, seq([0.9, 0.1, 0.5])).map((h) => h.name),
      ['c.test', 'b.test', 'a.test'],
    );
    assert.deepEqual(
      orderMx(records, seq([0.1, 0.9, 0.5])).map((h) => h.name),
      ['c.test', 'a.test', 'b.test'],
    );
  });
});
