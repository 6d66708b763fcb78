// IP addresses and CIDR lists for IPv4 and IPv6. Used for relay.trustedNetworks,
// dnsbl.allow and the DNSBL answer codes. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 client) is the
// IPv4 address it carries, both as an address and as a network, so one entry
// "10.0.0.0/8" matches a client however the socket happened to report it.

import { isIPv4, isIPv6 } from 'node:net';
import { PochtaError } from '../errors.ts';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  /** Prefix length in bits of `bytes` (0..32 or 0..128); host bits are zero. */
  readonly prefix: number;
}

/** Parse an IPv4 or IPv6 address; mapped IPv6 addresses come back as IPv4. Undefined when invalid. */
export function parseIp(text: string): IpAddress | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  // A zone id (fe80::1%eth0) names an interface, not part of the address.
  const pct = s.indexOf('%');
  if (pct >= 0 && isIPv6(s)) s = s.slice(0, pct);
  if (isIPv4(s)) return { family: 4, bytes: parseIpv4(s) };
  if (!isIPv6(s)) return undefined;
  const bytes = parseIpv6(s);
  if (isMapped(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

function parseIpv4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map((p) => Number(p)));
}

// Only called on text node:net already accepted as IPv6.
function parseIpv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = s;
  let tail: number[] = [];
  // An embedded dotted quad fills the last two groups.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail = [...parseIpv4(last)];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower-case, longest zero run compressed). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [...ip.bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

/** Parse "a.b.c.d/n", "x::/n" or a bare address (a host route). Host bits are cleared. Undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const prefixText = slash < 0 ? undefined : s.slice(slash + 1);
  let addrPart = addrText;
  if (addrPart.startsWith('[') && addrPart.endsWith(']')) addrPart = addrPart.slice(1, -1);
  if (isIPv4(addrPart)) {
    const bytes = parseIpv4(addrPart);
    const prefix = prefixText === undefined ? 32 : parsePrefix(prefixText, 32);
    return prefix === undefined ? undefined : { family: 4, bytes: mask(bytes, prefix), prefix };
  }
  if (!isIPv6(addrPart) || addrPart.includes('%')) return undefined;
  const bytes = parseIpv6(addrPart);
  const prefix = prefixText === undefined ? 128 : parsePrefix(prefixText, 128);
  if (prefix === undefined) return undefined;
  // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8.
  if (isMapped(bytes) && prefix >= 96) return { family: 4, bytes: mask(bytes.slice(12), prefix - 96), prefix: prefix - 96 };
  return { family: 6, bytes: mask(bytes, prefix), prefix };
}

function parsePrefix(text: string, max: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (out[i] ?? 0) & ((0xff00 >> bits) & 0xff);
  }
  return out;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.prefix}`;
}

/** Whether `ip` lies inside `net` (same family after unmapping). */
export function cidrContains(net: Cidr, ip: IpAddress): boolean {
  if (net.family !== ip.family) return false;
  const full = Math.floor(net.prefix / 8);
  for (let i = 0; i < full; i++) if (net.bytes[i] !== ip.bytes[i]) return false;
  const bits = net.prefix % 8;
  if (bits === 0) return true;
  const m = (0xff00 >> bits) & 0xff;
  return ((ip.bytes[full] ?? 0) & m) === net.bytes[full];
}

/** An immutable list of networks; `contains` accepts any textual address form. */
export class CidrList {
  readonly entries: readonly Cidr[];
  private constructor(entries: readonly Cidr[]) {
    this.entries = entries;
  }

  /** Parse every entry; throws BAD_SETTING naming each invalid one. */
  static parse(list: readonly string[]): CidrList {
    const bad: string[] = [];
    const entries: Cidr[] = [];
    for (const item of list) {
      const c = parseCidr(item);
      if (c === undefined) bad.push(item);
      else entries.push(c);
    }
    if (bad.length > 0) throw new PochtaError('BAD_SETTING', `invalid CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    return new CidrList(entries);
  }

  static of(entries: readonly Cidr[]): CidrList {
    return new CidrList([...entries]);
  }

  /** True when the address is valid and inside any entry; an unparseable address is never contained. */
  contains(ip: string | IpAddress): boolean {
    const addr = typeof ip === 'string' ? parseIp(ip) : ip;
    if (addr === undefined) return false;
    return this.entries.some((net) => cidrContains(net, addr));
  }

  /** Canonical text of every entry (what the settings UI shows back). */
  toStrings(): string[] {
    return this.entries.map(formatCidr);
  }
}

/** The invalid entries of a CIDR list (empty when all are valid); for settings validation. */
export function invalidCidrs(list: readonly string[]): string[] {
  return list.filter((item) => parseCidr(item) === undefined);
}

/** DNSBL query name of an address: reversed octets for IPv4, reversed nibbles for IPv6 (RFC 5782). */
export function reverseName(ip: IpAddress): string {
  if (ip.family === 4) return [...ip.bytes].reverse().join('.');
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
  return nibbles.reverse().join('.');
}

/** The PTR query name of an address: 4.3.2.1.in-addr.arpa or the nibbles under ip6.arpa. */
export function ptrName(ip: IpAddress): string {
  return `${reverseName(ip)}.${ip.family === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

const LOOPBACK = CidrList.parse(['127.0.0.0/8', '::1/128']);

/** True for an address in 127.0.0.0/8 or ::1 (IPv4-mapped included); false for any other address and for text that is not an address. */
export function isLoopback(address: string): boolean {
  return LOOPBACK.contains(address);
}
