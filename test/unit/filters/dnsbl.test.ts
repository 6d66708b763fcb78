import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { DnsblChecker, type DnsblDeps } from '../../../firmware/filters/dnsbl.ts';
import type { DnsblOptions } from '../../../firmware/filters/dnsbl-zones.ts';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { TestDnsServer } from '../../support/dns-server.ts';

// The test DNS server is authoritative for whatever we put in it, so the real
// zone names are used: that also exercises their default lookup links.
const ZEN = 'zen.spamhaus.org';
const COP = 'bl.spamcop.net';
const CUDA = 'b.barracudacentral.org';

describe('DNSBL checker over real DNS on loopback', () => {
  let dns: TestDnsServer;
  let resolver: DnsResolver;
  let clock: number;
  const now = () => clock;

  const make = (options: Partial<DnsblOptions> = {}, deps: Partial<DnsblDeps> = {}) =>
    new DnsblChecker(
      {
        zones: [
          { zone: ZEN, weight: 2 },
          { zone: COP, weight: 1 },
          { zone: CUDA, weight: 1 },
        ],
        threshold: 2,
        timeoutMs: 200,
        ...options,
      },
      { resolver, now, ...deps },
    );

  const listIn = (zone: string, reversed: string, code = '127.0.0.2', ttl = 60) =>
    dns.set(`${reversed}.${zone}`, { type: 'A', address: code, ttl });

  before(async () => {
    dns = await TestDnsServer.start();
    resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });
  });
  after(async () => {
    await dns.close();
  });
  beforeEach(() => {
    clock = 1_700_000_000_000;
    dns.resetLog();
  });

  it('rejects a client listed by a zone whose weight reaches the threshold, with zone, code, reason and link', async () => {
    listIn(ZEN, '1.2.0.192', '127.0.0.2');
    dns.add(
      `1.2.0.192.${ZEN}`,
      { type: 'A', address: '127.0.0.4' },
      { type: 'TXT', text: 'https://www.spamhaus.org/sbl/query/SBL1\r\nsecond' },
    );
    const r = await make().check('192.0.2.1');
    assert.equal(r.status, 'checked');
    assert.equal(r.listed, true);
    assert.equal(r.score, 2);
    assert.deepEqual(r.skipped, []);
    assert.equal(r.listings.length, 1);
    const l = r.listings[0]!;
    assert.equal(l.zone, ZEN);
    assert.deepEqual([...l.codes].sort(), ['127.0.0.2', '127.0.0.4']);
    assert.equal(l.reason, 'https://www.spamhaus.org/sbl/query/SBL1 second', 'TXT reason kept on one line');
    assert.equal(l.link, 'https://check.spamhaus.org/');
    assert.equal(r.verdict.kind, 'reject');
    if (r.verdict.kind !== 'reject') return;
    assert.equal(r.verdict.code, 554);
    assert.equal(r.verdict.enhanced, '5.7.1');
    assert.match(r.verdict.text, /\[192\.0\.2\.1\] blocked using zen\.spamhaus\.org \(see https:\/\/check\.spamhaus\.org\/\)/);
  });

  it('accepts an unlisted client (NXDOMAIN everywhere)', async () => {
    const r = await make().check('192.0.2.200');
    assert.equal(r.listed, false);
    assert.equal(r.score, 0);
    assert.deepEqual(r.listings, []);
    assert.deepEqual(r.verdict, { kind: 'accept' });
    assert.equal(dns.queries(`200.2.0.192.${ZEN}`, 'A'), 1);
    assert.equal(dns.queries(`200.2.0.192.${COP}`, 'A'), 1);
  });

  it('queries IPv6 clients by reversed nibbles', async () => {
    const nibbles = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';
    listIn(ZEN, nibbles, '127.0.0.3');
    const r = await make().check('2001:db8::1');
    assert.equal(r.ip, '2001:db8::1');
    assert.equal(r.listed, true);
    assert.deepEqual(r.listings[0]?.codes, ['127.0.0.3']);
  });

  it('queries an IPv4-mapped client as IPv4', async () => {
    listIn(ZEN, '7.2.0.192');
    const r = await make().check('::ffff:192.0.2.7');
    assert.equal(r.ip, '192.0.2.7');
    assert.equal(r.listed, true);
  });

  it('adds weights across zones: one weak zone is not enough, two are', async () => {
    listIn(COP, '20.2.0.192');
    const one = await make().check('192.0.2.20');
    assert.equal(one.score, 1);
    assert.equal(one.listed, false);
    assert.equal(one.verdict.kind, 'accept');
    assert.equal(one.listings.length, 1, 'the listing is still reported (for the Junk score)');
    assert.equal(DnsblChecker.scored(one).score, 1);

    listIn(COP, '21.2.0.192');
    listIn(CUDA, '21.2.0.192');
    const two = await make().check('192.0.2.21');
    assert.equal(two.score, 2);
    assert.equal(two.listed, true);
    assert.equal(two.verdict.kind, 'reject');
    if (two.verdict.kind === 'reject') {
      assert.match(two.verdict.text, /bl\.spamcop\.net \(see https:\/\/www\.spamcop\.net\/bl\.shtml\?192\.0\.2\.21\)/);
      assert.match(two.verdict.text, /b\.barracudacentral\.org \(see https:\/\/www\.barracudacentral\.org\/lookups\)/);
    }
  });

  it('skips a zone that does not answer within the timeout, and still uses the others', async () => {
    listIn(ZEN, '30.2.0.192');
    dns.behave(`30.2.0.192.${COP}`, { kind: 'drop' });
    dns.behave(`30.2.0.192.${CUDA}`, { kind: 'delay', ms: 800 });
    const started = Date.now();
    const checker = make();
    const r = await checker.check('192.0.2.30');
    const took = Date.now() - started;
    assert.equal(r.listed, true);
    assert.deepEqual(r.skipped.map((s) => `${s.zone}:${s.why}`).sort(), [`${CUDA}:timeout`, `${COP}:timeout`]);
    assert.ok(took < 700, `one timeout, not the resolver's: ${took} ms`);
    const stats = checker.stats();
    assert.equal(stats.zones.find((z) => z.zone === COP)?.timeouts, 1);
    assert.equal(stats.errors, 2);
  });

  it('skips a zone that answers SERVFAIL (a DNS outage never stops mail)', async () => {
    dns.behave(`40.2.0.192.${ZEN}`, { kind: 'servfail' });
    dns.behave(`40.2.0.192.${COP}`, { kind: 'servfail' });
    dns.behave(`40.2.0.192.${CUDA}`, { kind: 'servfail' });
    const checker = make();
    const r = await checker.check('192.0.2.40');
    assert.equal(r.listed, false);
    assert.equal(r.verdict.kind, 'accept');
    assert.deepEqual(
      r.skipped.map((s) => s.why),
      ['failure', 'failure', 'failure'],
    );
    assert.equal(checker.stats().zones[0]?.failures, 1);
  });

  it('never counts Spamhaus error codes or answers outside 127/8: they are zone problems', async () => {
    listIn(ZEN, '50.2.0.192', '127.255.255.254');
    listIn(COP, '50.2.0.192', '198.51.100.1');
    listIn(CUDA, '50.2.0.192', '127.255.255.255');
    const checker = make({ threshold: 1 });
    const r = await checker.check('192.0.2.50');
    assert.equal(r.listed, false);
    assert.equal(r.score, 0);
    assert.deepEqual(
      r.skipped.map((s) => s.why),
      ['zone-error', 'zone-error', 'zone-error'],
    );
    assert.match(r.skipped[0]?.detail ?? '', /public or open resolver/);
    const zen = checker.stats().zones.find((z) => z.zone === ZEN);
    assert.equal(zen?.zoneErrors, 1);
    assert.match(zen?.lastProblem?.detail ?? '', /127\.255\.255\.254/);
  });

  it('counts only the codes a zone is configured to count', async () => {
    listIn(ZEN, '60.2.0.192', '127.0.0.10'); // PBL
    const noPbl = make({ zones: [{ zone: ZEN, weight: 1, codes: ['127.0.0.2/31', '127.0.0.4/30', '127.0.0.9'] }], threshold: 1 });
    const r = await noPbl.check('192.0.2.60');
    assert.equal(r.listed, false);
    assert.deepEqual(r.skipped, []);
    const withPbl = make({ zones: [{ zone: ZEN, weight: 1 }], threshold: 1 });
    assert.equal((await withPbl.check('192.0.2.60')).listed, true);
  });

  it('never checks an allow-listed CIDR', async () => {
    listIn(ZEN, '70.2.0.192');
    const checker = make({ allow: ['192.0.2.64/28', '2001:db8:1::/48'] });
    const r = await checker.check('192.0.2.70');
    assert.equal(r.status, 'allowed');
    assert.equal(r.verdict.kind, 'accept');
    assert.equal((await checker.check('2001:db8:1::5')).status, 'allowed');
    assert.equal(dns.log.length, 0, 'no DNS query at all');
    assert.equal(checker.stats().allowed, 2);
    assert.equal(checker.stats().checked, 0);
  });

  it('never checks a client whose address is an allow-listed host name (resolved and cached for its TTL)', async () => {
    listIn(ZEN, '80.2.0.192');
    dns.set('relay.partner.test', { type: 'A', address: '192.0.2.80', ttl: 30 }, { type: 'AAAA', address: '2001:db8:2::80', ttl: 30 });
    const checker = make({ allow: ['relay.partner.test'] });
    assert.equal((await checker.check('192.0.2.80')).status, 'allowed');
    assert.equal((await checker.check('2001:db8:2::80')).status, 'allowed');
    assert.equal(dns.queries('relay.partner.test', 'A'), 1, 'host cached within its TTL');
    assert.equal(dns.queries(`80.2.0.192.${ZEN}`), 0);
    clock += 31_000;
    dns.set('relay.partner.test', { type: 'A', address: '192.0.2.81', ttl: 30 });
    const moved = await checker.check('192.0.2.80');
    assert.equal(moved.status, 'checked', 'after the TTL the host is resolved again and no longer matches');
    assert.equal(moved.listed, true);
    assert.equal(dns.queries('relay.partner.test', 'A'), 2);
  });

  it('caches answers for their TTL on the injected clock', async () => {
    listIn(ZEN, '90.2.0.192', '127.0.0.2', 60);
    const checker = make({ zones: [{ zone: ZEN, weight: 2 }], negativeTtlSec: 10 });
    const name = `90.2.0.192.${ZEN}`;
    assert.equal((await checker.check('192.0.2.90')).listed, true);
    clock += 59_000;
    assert.equal((await checker.check('192.0.2.90')).listed, true);
    assert.equal(dns.queries(name, 'A'), 1, 'second check within the TTL asks nobody');
    clock += 2_000;
    dns.remove(name);
    assert.equal((await checker.check('192.0.2.90')).listed, false, 'after the TTL the zone is asked again');
    assert.equal(dns.queries(name, 'A'), 2);
    // The NXDOMAIN is cached for negativeTtlSec.
    await checker.check('192.0.2.90');
    assert.equal(dns.queries(name, 'A'), 2);
    clock += 11_000;
    await checker.check('192.0.2.90');
    assert.equal(dns.queries(name, 'A'), 3);
    const zen = checker.stats().zones[0];
    assert.equal(zen?.queries, 3);
    assert.equal(zen?.cacheHits, 2);
  });

  it('asks once for concurrent checks of one client', async () => {
    dns.behave(`95.2.0.192.${ZEN}`, { kind: 'delay', ms: 50 });
    listIn(ZEN, '95.2.0.192');
    const checker = make({ zones: [{ zone: ZEN, weight: 2 }] });
    const results = await Promise.all([checker.check('192.0.2.95'), checker.check('192.0.2.95'), checker.check('192.0.2.95')]);
    assert.ok(results.every((r) => r.listed));
    assert.equal(dns.queries(`95.2.0.192.${ZEN}`, 'A'), 1);
    dns.behave(`95.2.0.192.${ZEN}`, undefined);
  });

  it('does not cache failures', async () => {
    dns.behave(`96.2.0.192.${ZEN}`, { kind: 'servfail' });
    const checker = make({ zones: [{ zone: ZEN, weight: 2 }] });
    await checker.check('192.0.2.96');
    dns.behave(`96.2.0.192.${ZEN}`, undefined);
    listIn(ZEN, '96.2.0.192');
    assert.equal((await checker.check('192.0.2.96')).listed, true);
  });

  it('probes zones: disables a wrong one, skips it without asking, and re-enables it when it answers correctly', async () => {
    const good = 'good.dnsbl.test';
    const bad = 'bad.dnsbl.test';
    listIn(good, '2.0.0.127');
    // "bad" answers like Spamhaus through a public resolver: an error code for everything.
    listIn(bad, '2.0.0.127', '127.255.255.254');
    listIn(bad, '1.0.0.127', '127.255.255.254');
    listIn(bad, '10.2.0.192', '127.0.0.2');
    let tick: (() => void) | undefined;
    let every = 0;
    let cancelled = false;
    const schedule = (fn: () => void, ms: number) => {
      tick = fn;
      every = ms;
      return () => {
        cancelled = true;
      };
    };
    const checker = make(
      {
        zones: [
          { zone: good, weight: 1 },
          { zone: bad, weight: 1 },
        ],
        threshold: 1,
        probeIntervalMs: 60_000,
      },
      { schedule },
    );
    const first = await checker.probe();
    assert.deepEqual(
      first.map((p) => [p.zone, p.ok]),
      [
        [good, true],
        [bad, false],
      ],
    );
    assert.match(first[1]?.detail ?? '', /127\.0\.0\.2 not listed \(127\.255\.255\.254\)/);
    let zones = checker.stats().zones;
    assert.equal(zones[1]?.enabled, false);
    assert.match(zones[1]?.disabledReason ?? '', /127\.255\.255\.254/);

    dns.resetLog();
    const r = await checker.check('192.0.2.10');
    assert.deepEqual(r.skipped, [{ zone: bad, why: 'disabled', detail: zones[1]?.disabledReason }]);
    assert.equal(r.listed, false);
    assert.equal(dns.queries(`10.2.0.192.${bad}`), 0, 'a disabled zone is not asked');

    // The zone is fixed; the next scheduled probe turns it back on.
    listIn(bad, '2.0.0.127', '127.0.0.2');
    dns.remove(`1.0.0.127.${bad}`);
    checker.start();
    assert.equal(every, 60_000);
    tick?.();
    // Both the immediate and the ticked probe run in the background; wait for an answer to land.
    for (let i = 0; i < 100 && checker.stats().zones[1]?.enabled !== true; i++) await new Promise((res) => setTimeout(res, 10));
    zones = checker.stats().zones;
    assert.equal(zones[1]?.enabled, true);
    assert.equal(zones[1]?.lastProbe?.ok, true);
    assert.equal((await checker.check('192.0.2.10')).listed, true);
    checker.stop();
    assert.equal(cancelled, true);
  });

  it('disables a zone that lists 127.0.0.1 or does not answer the probe', async () => {
    const greedy = 'greedy.dnsbl.test';
    const dead = 'dead.dnsbl.test';
    listIn(greedy, '2.0.0.127');
    listIn(greedy, '1.0.0.127');
    dns.behave(`2.0.0.127.${dead}`, { kind: 'drop' });
    dns.behave(`1.0.0.127.${dead}`, { kind: 'drop' });
    const checker = make({ zones: [{ zone: greedy }, { zone: dead }], threshold: 1 });
    const out = await checker.probe();
    assert.equal(out[0]?.ok, false);
    assert.match(out[0]?.detail ?? '', /127\.0\.0\.1 listed/);
    assert.equal(out[1]?.ok, false);
    assert.match(out[1]?.detail ?? '', /no answer within 200 ms/);
  });

  it('keeps counters for the web UI', async () => {
    listIn(ZEN, '100.2.0.192');
    const checker = make({ allow: ['10.0.0.0/8'] });
    await checker.check('192.0.2.100');
    await checker.check('192.0.2.101');
    await checker.check('10.1.1.1');
    const s = checker.stats();
    assert.equal(s.checked, 2);
    assert.equal(s.listed, 1);
    assert.equal(s.allowed, 1);
    assert.equal(s.errors, 0);
    assert.deepEqual(
      s.zones.map((z) => [z.zone, z.queries, z.listed, z.enabled]),
      [
        [ZEN, 2, 1, true],
        [COP, 2, 0, true],
        [CUDA, 2, 0, true],
      ],
    );
    assert.doesNotThrow(() => structuredClone(s), 'plain data');
  });

  it('takes new settings at runtime and refuses invalid ones whole', async () => {
    listIn(ZEN, '110.2.0.192');
    const checker = make();
    assert.equal((await checker.check('192.0.2.110')).listed, true);
    checker.update({ zones: [{ zone: ZEN, weight: 1 }], threshold: 2, timeoutMs: 200 });
    assert.equal((await checker.check('192.0.2.110')).listed, false, 'new weight and threshold apply to cached answers too');
    assert.deepEqual(
      checker.stats().zones.map((z) => z.zone),
      [ZEN],
    );
    assert.throws(
      () => checker.update({ zones: [{ zone: 'not a zone' }, { zone: ZEN, codes: ['10.0.0.1'] }], threshold: 0, allow: ['what?'] }),
      (err: unknown) =>
        isPochtaError(err, 'BAD_SETTING') &&
        /not a domain/.test(err.detail) &&
        /127\.0\.0\.0\/8/.test(err.detail) &&
        /threshold/.test(err.detail) &&
        /what\?/.test(err.detail),
    );
    assert.equal(checker.settings.threshold, 2, 'old settings kept');
  });

  it('works with the test server helpers other suites use (dnsblZone, dnsblList)', async () => {
    const zone = 'helper.dnsbl.test';
    dns.dnsblZone(zone).dnsblList(zone, '2001:db8::77', { code: '127.0.0.4', reason: 'exploited host' });
    const checker = make({ zones: [{ zone }], threshold: 1 });
    assert.deepEqual(await checker.probe(), [{ zone, ok: true, detail: 'answers correctly' }]);
    const r = await checker.check('2001:db8::77');
    assert.deepEqual(r.listings, [{ zone, weight: 1, codes: ['127.0.0.4'], reason: 'exploited host' }]);
    assert.equal(
      r.verdict.kind === 'reject' && r.verdict.text,
      'Service unavailable; client [2001:db8::77] blocked using helper.dnsbl.test',
    );
  });

  it('treats an unparseable client address as not checkable', async () => {
    const r = await make().check('not-an-ip');
    assert.equal(r.status, 'invalid');
    assert.equal(r.verdict.kind, 'accept');
  });
});
