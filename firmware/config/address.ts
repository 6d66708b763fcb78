// Parsing of the small network notations that config and settings share:
// `HOST:PORT`, `[v6]:PORT`, CIDR blocks. node:net does the real IP checks.

import { BlockList, isIP } from 'node:net';
import type { ListenAddress } from '../supervisor/service.ts';

/** Parse `HOST:PORT` or `[IPv6]:PORT`; returns a message saying what is expected on failure. */
export function parseHostPort(text: string, options: { defaultPort?: number } = {}): ListenAddress | string {
  const expected = `expected HOST:PORT or [IPv6]:PORT with a port 0-65535, got ${JSON.stringify(text)}`;
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (isIP(host) !== 6) return expected;
  } else {
    const colon = text.lastIndexOf(':');
    // A bare IPv6 address (several colons) has no port; ask for brackets.
    if (colon >= 0 && text.indexOf(':') !== colon) return expected;
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
    if (!isIP(host) && !isHostname(host)) return expected;
  }
  if (portText === undefined) {
    if (options.defaultPort === undefined) return expected;
    return { host, port: options.defaultPort };
  }
  if (!/^\d{1,5}$/.test(portText)) return expected;
  const port = Number(portText);
  if (port > 65535) return expected;
  return { host, port };
}

/** Format an address the way parseHostPort reads it back. */
export function formatHostPort(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** A DNS host name (letters, digits, hyphens, dots; labels 1-63; total up to 253). */
export function isHostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text
    .replace(/\.$/, '')
    .split('.')
    .every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
}

/** Parse `ADDRESS/PREFIX` (or a bare address, meaning a single host). */
export function parseCidr(text: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > max) return undefined;
  }
  return { address, prefix, family };
}

/** A matcher for a list of CIDR blocks (already validated). IPv4-mapped IPv6 peers match IPv4 blocks. */
export function cidrMatcher(blocks: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const block of blocks) {
    const cidr = parseCidr(block);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  }
  return (ip: string) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const plain = mapped ? mapped[1]! : ip;
    const family = isIP(plain);
    if (family === 0) return false;
    return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}
