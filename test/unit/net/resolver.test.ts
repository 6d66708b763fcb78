import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { DnsResolver, isResolverError, mailauthResolver, parseDnsServer } from '../../../firmware/net/resolver.ts';
import { TestDnsServer } from '../../support/dns-server.ts';

describe('DnsResolver against a DNS server on loopback', () => {
  let dns: TestDnsServer;
  let resolver: DnsResolver;

  before(async () => {
    dns = await TestDnsServer.start();
    dns
      .add('mail.example.test', { type: 'A', address: '192.0.2.10', ttl: 120 }, { type: 'A', address: '192.0.2.11', ttl: 60 })
      .add('mail.example.test', { type: 'AAAA', address: '2001:db8::10', ttl: 90 })
      .add(
        'example.test',
        { type: 'MX', exchange: 'mail.example.test', priority: 10 },
        { type: 'MX', exchange: 'backup.example.test', priority: 20 },
      )
      .add('example.test', { type: 'TXT', text: 'v=spf1 ip4:192.0.2.0/24 -all' }, { type: 'TXT', text: ['part one ', 'part two'] })
      .add('www.example.test', { type: 'CNAME', target: 'mail.example.test' })
      .add('10.2.0.192.in-addr.arpa', { type: 'PTR', target: 'mail.example.test' })
      .add('nullmx.test', { type: 'MX', exchange: '.', priority: 0 })
      .add('long.example.test', { type: 'TXT', text: 'k'.repeat(700) })
      .add('slow.example.test', { type: 'A', address: '192.0.2.99' })
      .behave('slow.example.test', { kind: 'drop' })
      .add('broken.example.test', { type: 'A', address: '192.0.2.98' })
      .behave('broken.example.test', { kind: 'servfail' })
      .behave('refusing.example.test', { kind: 'refused' });
    resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 200, tries: 1 });
  });

  after(async () => {
    await dns.close();
  });

  it('answers A and AAAA with their TTLs', async () => {
    const a = await resolver.resolve4('mail.example.test');
    assert.equal(a.status, 'ok');
    assert.deepEqual(
      [...a.records].sort((x, y) => x.address.localeCompare(y.address)),
      [
        { address: '192.0.2.10', ttl: 120 },
        { address: '192.0.2.11', ttl: 60 },
      ],
    );
    assert.deepEqual(await resolver.resolve6('mail.example.test'), { status: 'ok', records: [{ address: '2001:db8::10', ttl: 90 }] });
  });

  it('answers MX, TXT (character-strings kept), PTR and CNAME', async () => {
    const mx = await resolver.resolveMx('example.test');
    assert.deepEqual(
      [...mx.records].sort((a, b) => a.priority - b.priority),
      [
        { exchange: 'mail.example.test', priority: 10 },
        { exchange: 'backup.example.test', priority: 20 },
      ],
    );
    const txt = await resolver.resolveTxt('example.test');
    assert.deepEqual(txt.records.map((r) => r.join('')).sort(), ['part one part two', 'v=spf1 ip4:192.0.2.0/24 -all']);
    assert.deepEqual(await resolver.resolvePtr('10.2.0.192.in-addr.arpa'), { status: 'ok', records: ['mail.example.test'] });
    assert.deepEqual(await resolver.resolveCname('www.example.test'), { status: 'ok', records: ['mail.example.test'] });
    // A lookups follow the CNAME.
    assert.equal((await resolver.resolve4('www.example.test')).records.length, 2);
  });

  it('gets a TXT record too big for UDP over TCP', async () => {
    const txt = await resolver.resolveTxt('long.example.test');
    assert.equal(txt.records[0]?.join('').length, 700);
    assert.ok(
      dns.log.some((q) => q.name === 'long.example.test' && q.transport === 'tcp'),
      'retried over TCP',
    );
  });

  it('reports a null MX as an empty exchange', async () => {
    assert.deepEqual(await resolver.resolveMx('nullmx.test'), { status: 'ok', records: [{ exchange: '', priority: 0 }] });
  });

  it('tells "no such name" and "no data" apart from failures: they are empty answers', async () => {
    assert.deepEqual(await resolver.resolve4('nowhere.example.test'), { status: 'nxdomain', records: [] });
    assert.deepEqual(await resolver.resolveMx('mail.example.test'), { status: 'nodata', records: [] });
    assert.deepEqual(await resolver.resolve6('example.test'), { status: 'nodata', records: [] });
  });

  it('turns a timeout into ResolverError ETIMEOUT, bounded by timeout x tries', async () => {
    const started = Date.now();
    await assert.rejects(resolver.resolve4('slow.example.test'), (err: unknown) => isResolverError(err, 'ETIMEOUT') && err.temporary);
    assert.ok(Date.now() - started < 2000, 'bounded');
  });

  it('turns SERVFAIL and REFUSED into ResolverErrors', async () => {
    await assert.rejects(resolver.resolve4('broken.example.test'), (err: unknown) => isResolverError(err, 'ESERVFAIL'));
    await assert.rejects(resolver.resolveTxt('refusing.example.test'), (err: unknown) => isResolverError(err, 'EREFUSED'));
  });

  it('answers a burst of 6,000 lookups without losing any (raw c-ares times such bursts out; the gate queues them)', async () => {
    // Its own resolver with a generous timeout: this checks that the gate loses
    // nothing, not how fast the in-process test server answers on a loaded machine.
    const patient = new DnsResolver({ servers: [dns.address], timeoutMs: 3000, tries: 2 });
    const names = Array.from({ length: 6000 }, (_, i) => `burst${i}.example.test`);
    const answers = await Promise.all(names.map((n) => patient.resolve4(n)));
    assert.ok(answers.every((a) => a.status === 'nxdomain'));
    assert.ok(dns.log.filter((q) => q.name.startsWith('burst')).length >= 6000);
  });

  it('follows a server change at runtime', async () => {
    const other = await TestDnsServer.start();
    try {
      other.add('mail.example.test', { type: 'A', address: '198.51.100.1', ttl: 5 });
      const r = new DnsResolver({ servers: [dns.address], timeoutMs: 200, tries: 1 });
      r.update({ servers: [other.address] });
      assert.deepEqual(r.servers(), [other.address]);
      assert.deepEqual(await r.resolve4('mail.example.test'), { status: 'ok', records: [{ address: '198.51.100.1', ttl: 5 }] });
    } finally {
      await other.close();
    }
  });

  it('asks a server on IPv6 loopback given as [::1]:port', async () => {
    const v6 = await TestDnsServer.start({ host: '::1' });
    try {
      v6.add('v6.example.test', { type: 'AAAA', address: '2001:db8::6', ttl: 7 });
      const r = new DnsResolver({ servers: [v6.address], timeoutMs: 200, tries: 1 });
      assert.deepEqual(await r.resolve6('v6.example.test'), { status: 'ok', records: [{ address: '2001:db8::6', ttl: 7 }] });
      assert.equal(v6.queries('v6.example.test', 'AAAA'), 1);
    } finally {
      await v6.close();
    }
  });

  it('moves on to the next server when the first does not answer', async () => {
    const dead = await TestDnsServer.start();
    try {
      dead.behave('mail.example.test', { kind: 'drop' });
      const r = new DnsResolver({ servers: [dead.address, dns.address], timeoutMs: 150, tries: 1 });
      assert.equal((await r.resolve4('mail.example.test')).status, 'ok');
      assert.equal(dead.queries('mail.example.test', 'A'), 1);
    } finally {
      await dead.close();
    }
  });

  describe('mailauth adapter (dns.promises.resolve shape)', () => {
    it('answers TXT as string[][] and MX as {exchange, priority}', async () => {
      const resolve = mailauthResolver(resolver);
      const txt = (await resolve('example.test', 'TXT')) as string[][];
      assert.ok(txt.some((r) => r.length === 2 && r[0] === 'part one '));
      assert.ok(txt.some((r) => r.join('') === 'v=spf1 ip4:192.0.2.0/24 -all'));
      const mx = await resolve('example.test', 'MX');
      assert.deepEqual((mx as { exchange: string; priority: number }[]).sort((a, b) => a.priority - b.priority)[0], {
        exchange: 'mail.example.test',
        priority: 10,
      });
      assert.deepEqual((await resolve('mail.example.test', 'A')).sort(), ['192.0.2.10', '192.0.2.11']);
      assert.deepEqual(await resolve('mail.example.test', 'AAAA'), ['2001:db8::10']);
      assert.deepEqual(await resolve('10.2.0.192.in-addr.arpa', 'PTR'), ['mail.example.test']);
    });

    it('throws ENOTFOUND for NXDOMAIN, ENODATA for NODATA, the c-ares code for failures', async () => {
      const resolve = mailauthResolver(resolver);
      await assert.rejects(resolve('nowhere.example.test', 'TXT'), { code: 'ENOTFOUND' });
      await assert.rejects(resolve('mail.example.test', 'TXT'), { code: 'ENODATA' });
      await assert.rejects(resolve('broken.example.test', 'A'), { code: 'ESERVFAIL' });
      await assert.rejects(resolve('example.test', 'SRV'), { code: 'ENOTIMP' });
    });
  });
});

describe('DNS server list', () => {
  it('accepts host, host:port and bracketed IPv6, defaulting to port 53', () => {
    assert.equal(parseDnsServer('127.0.0.1'), '127.0.0.1:53');
    assert.equal(parseDnsServer(' 127.0.0.1:5353 '), '127.0.0.1:5353');
    assert.equal(parseDnsServer('::1'), '[::1]:53');
    assert.equal(parseDnsServer('[::1]'), '[::1]:53');
    assert.equal(parseDnsServer('[2001:db8::53]:5300'), '[2001:db8::53]:5300');
  });

  it('refuses names and bad ports with BAD_SETTING', () => {
    for (const bad of ['dns.example', 'localhost:53', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:x', '[::1]:', '']) {
      assert.throws(
        () => parseDnsServer(bad),
        (err: unknown) => isPochtaError(err, 'BAD_SETTING'),
        bad,
      );
    }
    assert.throws(
      () => new DnsResolver({ servers: ['nope'] }),
      (err: unknown) => isPochtaError(err, 'BAD_SETTING'),
    );
  });
});
