// The DNSBL zone table (Haraka's dns-list idea): each zone has a weight and the
// answer codes that count as a listing. This file validates options and reads
// answers; dnsbl.ts does the asking.
//
// Answer codes (RFC 5782): a listed address gets A records in 127.0.0.0/8.
// Spamhaus ZEN return codes, as Spamhaus documents them:
//   127.0.0.2        SBL  — direct spam sources
//   127.0.0.3        SBL CSS — snowshoe spam
//   127.0.0.4–7      XBL  — exploited hosts (botnets, open proxies)
//   127.0.0.9        SBL DROP — hijacked netblocks
//   127.0.0.10       PBL  — ISP-declared dynamic ranges
//   127.0.0.11       PBL  — Spamhaus-declared dynamic ranges
//   127.255.255.252  error: typo in the DNSBL name
//   127.255.255.254  error: query through a public/open resolver (refused)
//   127.255.255.255  error: excessive number of queries
// The 127.255.255.x codes, and any answer outside 127.0.0.0/8 (an NXDOMAIN-
// rewriting ISP resolver), are never a listing: they are a zone problem.
// SpamCop (bl.spamcop.net) answers 127.0.0.2. Barracuda (b.barracudacentral.org)
// answers 127.0.0.2 and only to resolvers registered with it.

import { PochtaError } from '../errors.ts';
import { CidrList, cidrContains, type IpAddress, parseCidr, parseIp } from '../net/cidr.ts';

export interface DnsblZoneOptions {
  /** The zone queried, e.g. zen.spamhaus.org. */
  readonly zone: string;
  /** Added to the score when this zone lists the client; default 1. */
  readonly weight?: number;
  /** Answer codes that count (addresses or CIDRs inside 127.0.0.0/8); default any except 127.255.255.0/24. */
  readonly codes?: readonly string[];
  /** Lookup page for the reply text; "{ip}" is replaced by the client address. Default per known zone. */
  readonly link?: string;
}

export interface DnsblOptions {
  readonly zones: readonly DnsblZoneOptions[];
  /** Listed when the sum of weights of listing zones reaches this; default 1. */
  readonly threshold?: number;
  /** CIDRs and host names never checked (a host name stands for its A/AAAA addresses). */
  readonly allow?: readonly string[];
  /** Per-lookup timeout in ms after which a zone is skipped; default 2000. */
  readonly timeoutMs?: number;
  /** How long "not listed" (NXDOMAIN) is cached, in seconds; the DNS does not tell us via node:dns. Default 300. */
  readonly negativeTtlSec?: number;
  /** How often the zone probe runs, in ms; default 10 minutes. */
  readonly probeIntervalMs?: number;
  /** Ask for the listing's TXT reason (one more query, only for listed clients); default true. */
  readonly fetchReason?: boolean;
}

export const DEFAULT_DNSBL_ZONES: readonly DnsblZoneOptions[] = Object.freeze([
  // ZEN alone is enough to refuse; SpamCop and Barracuda are more eager, so they need each other.
  { zone: 'zen.spamhaus.org', weight: 2 },
  { zone: 'bl.spamcop.net', weight: 1 },
  { zone: 'b.barracudacentral.org', weight: 1 },
]);
/** The threshold that goes with DEFAULT_DNSBL_ZONES (an options object without one uses 1: any listing). */
export const DEFAULT_DNSBL_THRESHOLD = 2;
export const DEFAULT_DNSBL_TIMEOUT_MS = 2000;
export const DEFAULT_NEGATIVE_TTL_SEC = 300;
export const DEFAULT_PROBE_INTERVAL_MS = 10 * 60 * 1000;

const LOOPBACK_NET = parseCidr('127.0.0.0/8')!;
const ERROR_NET = parseCidr('127.255.255.0/24')!;

export interface DnsblZone {
  readonly zone: string;
  readonly weight: number;
  /** Undefined: any 127.0.0.0/8 answer outside the error range counts. */
  readonly codes: CidrList | undefined;
  readonly link: string | undefined;
}

export interface DnsblConfig {
  readonly zones: readonly DnsblZone[];
  readonly threshold: number;
  readonly allowNets: CidrList;
  readonly allowHosts: readonly string[];
  readonly timeoutMs: number;
  readonly negativeTtlSec: number;
  readonly probeIntervalMs: number;
  readonly fetchReason: boolean;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Validate options into a frozen config; every problem is listed in one BAD_SETTING. */
export function normalizeDnsblOptions(options: DnsblOptions): DnsblConfig {
  const problems: string[] = [];
  const seen = new Set<string>();
  const zones: DnsblZone[] = [];
  for (const z of options.zones) {
    const zone = z.zone.trim().toLowerCase().replace(/\.$/, '');
    if (!HOSTNAME.test(zone) || !zone.includes('.')) problems.push(`zone ${JSON.stringify(z.zone)} is not a domain`);
    if (seen.has(zone)) problems.push(`zone ${zone} listed twice`);
    seen.add(zone);
    const weight = z.weight ?? 1;
    if (!Number.isFinite(weight)) problems.push(`zone ${zone}: weight must be a number`);
    let codes: CidrList | undefined;
    if (z.codes !== undefined) {
      const nets = z.codes.map((c) => ({ text: c, net: parseCidr(c) }));
      for (const { text, net } of nets) {
        if (net === undefined || net.family !== 4 || !cidrContains(LOOPBACK_NET, net) || net.prefix < 8) {
          problems.push(`zone ${zone}: code ${JSON.stringify(text)} is not inside 127.0.0.0/8`);
        }
      }
      codes = CidrList.of(nets.flatMap(({ net }) => (net === undefined ? [] : [net])));
    }
    zones.push({ zone, weight, codes, link: z.link ?? defaultLink(zone) });
  }
  const threshold = options.threshold ?? 1;
  if (!Number.isFinite(threshold) || threshold <= 0) problems.push('threshold must be a positive number');
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNSBL_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) problems.push('timeoutMs must be 1..60000');
  const negativeTtlSec = options.negativeTtlSec ?? DEFAULT_NEGATIVE_TTL_SEC;
  if (!Number.isFinite(negativeTtlSec) || negativeTtlSec < 0) problems.push('negativeTtlSec must be >= 0');
  const probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  if (!Number.isFinite(probeIntervalMs) || probeIntervalMs < 1000) problems.push('probeIntervalMs must be >= 1000');
  const nets: string[] = [];
  const hosts: string[] = [];
  for (const entry of options.allow ?? []) {
    const s = entry.trim();
    if (parseCidr(s) !== undefined) nets.push(s);
    else if (HOSTNAME.test(s)) hosts.push(s.toLowerCase().replace(/\.$/, ''));
    else problems.push(`allow entry ${JSON.stringify(entry)} is neither a CIDR nor a host name`);
  }
  if (problems.length > 0) throw new PochtaError('BAD_SETTING', `dnsbl: ${problems.join('; ')}`);
  return Object.freeze({
    zones,
    threshold,
    allowNets: CidrList.parse(nets),
    allowHosts: [...new Set(hosts)],
    timeoutMs,
    negativeTtlSec,
    probeIntervalMs,
    fetchReason: options.fetchReason ?? true,
  });
}

function defaultLink(zone: string): string | undefined {
  if (zone === 'spamhaus.org' || zone.endsWith('.spamhaus.org') || zone.endsWith('.dq.spamhaus.net')) return 'https://check.spamhaus.org/';
  if (zone.endsWith('spamcop.net')) return 'https://www.spamcop.net/bl.shtml?{ip}';
  if (zone.endsWith('barracudacentral.org')) return 'https://www.barracudacentral.org/lookups';
  return undefined;
}

/** The lookup link of a zone for one client, or undefined when the zone has none. */
export function zoneLink(zone: DnsblZone, ip: string): string | undefined {
  return zone.link?.replaceAll('{ip}', ip);
}

export type AnswerReading =
  /** Counted codes were among the answers. */
  | { readonly kind: 'listed'; readonly codes: readonly string[] }
  /** NXDOMAIN, or only codes this zone does not count. */
  | { readonly kind: 'clean' }
  /** Only error codes or answers outside 127.0.0.0/8: the zone could not tell. */
  | { readonly kind: 'zone-error'; readonly codes: readonly string[] };

/** Classify the A records a zone answered with. */
export function readAnswer(zone: DnsblZone, addresses: readonly string[]): AnswerReading {
  const counted: string[] = [];
  const problems: string[] = [];
  for (const text of addresses) {
    const ip: IpAddress | undefined = parseIp(text);
    if (ip === undefined || !cidrContains(LOOPBACK_NET, ip) || cidrContains(ERROR_NET, ip)) problems.push(text);
    else if (zone.codes === undefined || zone.codes.contains(ip)) counted.push(text);
  }
  if (counted.length > 0) return { kind: 'listed', codes: counted };
  if (problems.length > 0) return { kind: 'zone-error', codes: problems };
  return { kind: 'clean' };
}

/** What an error code means, for the log and the web UI. */
export function describeZoneError(code: string): string {
  switch (code) {
    case '127.255.255.252':
      return 'typo in the DNSBL zone name';
    case '127.255.255.254':
      return 'query refused: it came through a public or open resolver; use the box resolver';
    case '127.255.255.255':
      return 'query refused: too many queries from this resolver';
    default:
      return code.startsWith('127.') ? 'error code' : 'answer outside 127.0.0.0/8 (a rewriting resolver?)';
  }
}
