import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { CidrList, formatCidr, formatIp, invalidCidrs, parseCidr, parseIp, ptrName, reverseName } from '../../../firmware/net/cidr.ts';

describe('IP addresses', () => {
  it('parses IPv4, IPv6 and prints them canonically (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::', '::'],
      ['::1', '::1'],
      ['[::1]', '::1'],
      ['fe80::1%eth0', 'fe80::1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [input, out] of cases) {
      const ip = parseIp(input);
      assert.ok(ip, input);
      assert.equal(formatIp(ip), out, input);
    }
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    for (const text of ['::ffff:192.0.2.7', '::FFFF:c000:207', '0:0:0:0:0:ffff:192.0.2.7']) {
      const ip = parseIp(text);
      assert.equal(ip?.family, 4, text);
      assert.equal(formatIp(ip!), '192.0.2.7');
    }
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', '1.2.3', '1.2.3.256', '01.2.3.4x', 'example.com', '1::2::3', '12345::', ':::', '1.2.3.4/8']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });

  it('builds DNSBL query names: reversed octets, reversed nibbles', () => {
    assert.equal(reverseName(parseIp('192.0.2.99')!), '99.2.0.192');
    assert.equal(reverseName(parseIp('::ffff:10.1.2.3')!), '3.2.1.10');
    // RFC 5782 section 2.4 example
    assert.equal(reverseName(parseIp('2001:db8:1:2:3:4:567:89ab')!), 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2');
    assert.equal(ptrName(parseIp('::ffff:192.0.2.99')!), '99.2.0.192.in-addr.arpa');
    assert.equal(ptrName(parseIp('::1')!), `1.${'0.'.repeat(31)}ip6.arpa`);
  });
});

describe('CIDR', () => {
  it('parses networks and clears host bits', () => {
    const cases: [string, string][] = [
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['192.168.1.77/27', '192.168.1.64/27'],
      ['127.0.0.1', '127.0.0.1/32'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:db8::/32', '2001:db8::/32'],
      ['2001:db8:ffff::1/33', '2001:db8:8000::/33'],
      ['::1', '::1/128'],
      ['[::1]/128', '::1/128'],
      ['::/0', '::/0'],
      ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
      ['::ffff:192.0.2.1', '192.0.2.1/32'],
    ];
    for (const [input, out] of cases) {
      const c = parseCidr(input);
      assert.ok(c, input);
      assert.equal(formatCidr(c), out, input);
    }
  });

  it('rejects bad networks', () => {
    assert.deepEqual(
      invalidCidrs(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/8', '::/129', 'host.example', '1.2.3.4/-1', '10.0.0.0/08x', '10.0.0.0/8']),
      ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/8', '::/129', 'host.example', '1.2.3.4/-1', '10.0.0.0/08x'],
    );
  });

  it('tests membership for IPv4, IPv6 and mapped addresses alike', () => {
    const list = CidrList.parse(['127.0.0.1/32', '::1/128', '10.0.0.0/8', '192.168.0.0/23', '2001:db8:abcd::/48']);
    const inside = [
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '::1',
      '10.255.1.1',
      '::ffff:10.0.0.1',
      '192.168.1.255',
      '2001:db8:abcd:ffff::1',
      '[::1]',
    ];
    const outside = ['127.0.0.9', '::2', '11.0.0.1', '192.168.2.0', '2001:db8:abce::1', 'garbage', '', '::ffff:11.0.0.1'];
    for (const ip of inside) assert.equal(list.contains(ip), true, ip);
    for (const ip of outside) assert.equal(list.contains(ip), false, ip);
  });

  it('matches a mapped network entry against plain IPv4 clients', () => {
    const list = CidrList.parse(['::ffff:172.16.0.0/108']);
    assert.equal(list.contains('172.16.5.5'), true);
    assert.equal(list.contains('172.31.255.255'), true);
    assert.equal(list.contains('172.32.0.0'), false);
  });

  it('prefix boundaries are exact', () => {
    const list = CidrList.parse(['198.51.100.0/25', 'fd00::/7']);
    assert.equal(list.contains('198.51.100.127'), true);
    assert.equal(list.contains('198.51.100.128'), false);
    assert.equal(list.contains('fdff::1'), true);
    assert.equal(list.contains('fc00::1'), true);
    assert.equal(list.contains('fe00::1'), false);
    assert.equal(CidrList.parse(['0.0.0.0/0']).contains('::1'), false, 'an IPv4 default route does not hold IPv6');
  });

  it('reports every bad entry in one BAD_SETTING and prints canonical entries back', () => {
    assert.throws(
      () => CidrList.parse(['10.0.0.0/8', 'nope', '1.2.3.4/40']),
      (err: unknown) => isPochtaError(err, 'BAD_SETTING') && err.detail.includes('"nope"') && err.detail.includes('"1.2.3.4/40"'),
    );
    assert.deepEqual(CidrList.parse([' 10.9.9.9/8 ', '2001:DB8::/32']).toStrings(), ['10.0.0.0/8', '2001:db8::/32']);
  });
});
