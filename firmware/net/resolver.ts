// The Resolver seam: DNS for DNSBL, SPF, DKIM, DMARC and MX. The daemon asks the
// box's own recursive resolver (DNSBL operators refuse public resolvers), tests
// point it at a DNS server they start on loopback.
//
// Two outcomes are kept apart on purpose: "there is nothing" (NXDOMAIN, NODATA)
// is an answer — an empty one — while "could not find out" (SERVFAIL, timeout,
// refused, no server reachable) is a ResolverError. A DNSBL must treat the first
// as "not listed" and the second as "skip this zone"; SPF must turn the second
// into temperror, never into fail.

import { Resolver as NodeResolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PochtaError } from '../errors.ts';

/** NXDOMAIN: the name does not exist. NODATA: it exists without records of this type. */
export type AnswerStatus = 'ok' | 'nxdomain' | 'nodata';

export interface DnsAnswer<T> {
  readonly status: AnswerStatus;
  /** Empty unless status is 'ok'. */
  readonly records: readonly T[];
}

export interface AddressRecord {
  readonly address: string;
  /** Seconds the answer may be cached, as the DNS gave it. */
  readonly ttl: number;
}

export interface MxRecord {
  readonly exchange: string; // '' for a null MX (RFC 7505)
  readonly priority: number;
}

/** One TXT record as its character-strings; join them with '' to read it. */
export type TxtRecord = readonly string[];

export interface Resolver {
  /** A records (CNAMEs followed) with their TTLs. Rejects with ResolverError on failure. */
  resolve4(name: string): Promise<DnsAnswer<AddressRecord>>;
  /** AAAA records (CNAMEs followed) with their TTLs. Rejects with ResolverError on failure. */
  resolve6(name: string): Promise<DnsAnswer<AddressRecord>>;
  /** MX records, unsorted as the DNS gave them. Rejects with ResolverError on failure. */
  resolveMx(name: string): Promise<DnsAnswer<MxRecord>>;
  /** TXT records, each as its character-strings. Rejects with ResolverError on failure. */
  resolveTxt(name: string): Promise<DnsAnswer<TxtRecord>>;
  /** PTR targets of a reverse name (e.g. 4.3.2.1.in-addr.arpa). Rejects with ResolverError on failure. */
  resolvePtr(name: string): Promise<DnsAnswer<string>>;
  /** CNAME target of the name itself (not followed). Rejects with ResolverError on failure. */
  resolveCname(name: string): Promise<DnsAnswer<string>>;
}

/** Codes a ResolverError carries: node:dns's (c-ares) names, so logs read the same everywhere. */
export type ResolverErrorCode =
  | 'ETIMEOUT'
  | 'ESERVFAIL'
  | 'EREFUSED'
  | 'ECONNREFUSED'
  | 'EFORMERR'
  | 'EBADRESP'
  | 'EBADNAME'
  | 'ENOTIMP'
  | 'ECANCELLED'
  | 'EOTHER';

/** The DNS could not tell: a temporary condition, never a "no". */
export class ResolverError extends Error {
  readonly code: ResolverErrorCode;
  readonly hostname: string;
  readonly rrtype: string;
  constructor(code: ResolverErrorCode, hostname: string, rrtype: string, options?: { cause?: unknown }) {
    super(`DNS ${rrtype} ${hostname}: ${code}`, options);
    this.name = 'ResolverError';
    this.code = code;
    this.hostname = hostname;
    this.rrtype = rrtype;
  }
  /** Always true: a DNS failure says nothing about the mail. */
  get temporary(): boolean {
    return true;
  }
}

export function isResolverError(err: unknown, code?: ResolverErrorCode): err is ResolverError {
  return err instanceof ResolverError && (code === undefined || err.code === code);
}

export interface DnsResolverOptions {
  /** "host", "host:port", "[v6]:port" or a bare IPv6 address; empty = the system's resolv.conf servers. */
  readonly servers?: readonly string[];
  /** Time for one try of one server, in ms (c-ares doubles it per round unless capped; we cap it). */
  readonly timeoutMs?: number;
  /** Tries per server before giving up. */
  readonly tries?: number;
  /** Lookups in flight at once; more wait their turn. Default 256. */
  readonly maxInflight?: number;
}

export const DEFAULT_RESOLVER_TIMEOUT_MS = 2000;
export const DEFAULT_RESOLVER_TRIES = 2;
// c-ares loses whole bursts once a few thousand queries share its socket (all of
// them time out); a gate keeps a connection flood from turning into a DNS outage.
export const DEFAULT_RESOLVER_MAX_INFLIGHT = 256;

/**
 * Validate and normalise one server entry to node:dns's form. Throws BAD_SETTING.
 * Accepted: 127.0.0.1, 127.0.0.1:5353, ::1, [::1], [::1]:53.
 */
export function parseDnsServer(entry: string): string {
  const s = entry.trim();
  const bad = () => new PochtaError('BAD_SETTING', `invalid DNS server ${JSON.stringify(entry)} (want host:port or [v6]:port)`);
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1] ?? '';
    port = v6[2];
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    port = i < 0 ? undefined : s.slice(i + 1);
  }
  // Only literal addresses: resolving the resolver's name would need a resolver.
  const family = isIP(host);
  if (family === 0) throw bad();
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) throw bad();
  const p = port === undefined ? 53 : Number(port);
  if (family === 6) return `[${host}]:${p}`;
  return `${host}:${p}`;
}

/** The Resolver on node:dns (c-ares), asking the configured servers directly. */
export class DnsResolver implements Resolver {
  private inner: NodeResolver;
  private options: DnsResolverOptions;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: DnsResolverOptions = {}) {
    this.options = options;
    this.inner = DnsResolver.build(options);
  }

  private static build(options: DnsResolverOptions): NodeResolver {
    const timeout = options.timeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS;
    // maxTimeout stops c-ares from doubling the timeout on each retry round, so a
    // lookup is bounded by about timeout x tries x servers.
    const r = new NodeResolver({ timeout, tries: options.tries ?? DEFAULT_RESOLVER_TRIES, maxTimeout: timeout });
    const servers = (options.servers ?? []).map(parseDnsServer);
    if (servers.length > 0) r.setServers(servers);
    return r;
  }

  /** Replace servers/timeouts at runtime (the dns.servers setting); lookups in flight finish on the old ones. */
  update(options: DnsResolverOptions): void {
    const next = DnsResolver.build({ ...this.options, ...options });
    this.options = { ...this.options, ...options };
    this.inner = next;
  }

  /** The servers in use, in node:dns form. */
  servers(): string[] {
    return this.inner.getServers();
  }

  /** Abandon every lookup in flight (they reject with ECANCELLED); used at shutdown. */
  cancel(): void {
    this.inner.cancel();
  }

  private async gated<T>(name: string, rrtype: string, fn: () => Promise<T[]>): Promise<DnsAnswer<T>> {
    if (this.active >= (this.options.maxInflight ?? DEFAULT_RESOLVER_MAX_INFLIGHT)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await run(name, rrtype, fn);
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  resolve4(name: string): Promise<DnsAnswer<AddressRecord>> {
    const inner = this.inner;
    return this.gated(name, 'A', () => inner.resolve4(name, { ttl: true }));
  }

  resolve6(name: string): Promise<DnsAnswer<AddressRecord>> {
    const inner = this.inner;
    return this.gated(name, 'AAAA', () => inner.resolve6(name, { ttl: true }));
  }

  resolveMx(name: string): Promise<DnsAnswer<MxRecord>> {
    const inner = this.inner;
    return this.gated(name, 'MX', async () => (await inner.resolveMx(name)).map((m) => ({ exchange: m.exchange, priority: m.priority })));
  }

  resolveTxt(name: string): Promise<DnsAnswer<TxtRecord>> {
    const inner = this.inner;
    return this.gated(name, 'TXT', () => inner.resolveTxt(name));
  }

  resolvePtr(name: string): Promise<DnsAnswer<string>> {
    const inner = this.inner;
    return this.gated(name, 'PTR', () => inner.resolvePtr(name));
  }

  resolveCname(name: string): Promise<DnsAnswer<string>> {
    const inner = this.inner;
    return this.gated(name, 'CNAME', () => inner.resolveCname(name));
  }
}

const KNOWN_CODES = new Set<string>([
  'ETIMEOUT',
  'ESERVFAIL',
  'EREFUSED',
  'ECONNREFUSED',
  'EFORMERR',
  'EBADRESP',
  'EBADNAME',
  'ENOTIMP',
  'ECANCELLED',
]);

async function run<T>(name: string, rrtype: string, fn: () => Promise<T[]>): Promise<DnsAnswer<T>> {
  try {
    const records = await fn();
    return records.length === 0 ? { status: 'nodata', records: [] } : { status: 'ok', records };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ENOTFOUND') return { status: 'nxdomain', records: [] };
    if (code === 'ENODATA') return { status: 'nodata', records: [] };
    const known = typeof code === 'string' && KNOWN_CODES.has(code) ? (code as ResolverErrorCode) : 'EOTHER';
    throw new ResolverError(known, name, rrtype, { cause: err });
  }
}

/**
 * A lookup function shaped like dns.promises.resolve(name, rrtype), for mailauth:
 * records in node's shapes, an empty answer thrown as ENOTFOUND/ENODATA (mailauth
 * counts those as SPF void lookups and DMARC non-existence), failures thrown with
 * their c-ares code (mailauth turns those into temperror).
 */
export type ResolveFunction = (name: string, rrtype: string) => Promise<unknown[]>;

export function mailauthResolver(resolver: Resolver): ResolveFunction {
  const pick = async <T>(name: string, lookup: Promise<DnsAnswer<T>>, shape: (record: T) => unknown): Promise<unknown[]> => {
    const answer = await lookup;
    if (answer.status === 'nxdomain') throw dnsStyleError('ENOTFOUND', name);
    if (answer.status === 'nodata') throw dnsStyleError('ENODATA', name);
    return answer.records.map(shape);
  };
  return async (name: string, rrtype: string): Promise<unknown[]> => {
    switch (rrtype.toUpperCase()) {
      case 'A':
        return pick(name, resolver.resolve4(name), (r) => r.address);
      case 'AAAA':
        return pick(name, resolver.resolve6(name), (r) => r.address);
      case 'MX':
        return pick(name, resolver.resolveMx(name), (r) => ({ exchange: r.exchange, priority: r.priority }));
      case 'TXT':
        return pick(name, resolver.resolveTxt(name), (r) => [...r]);
      case 'PTR':
        return pick(name, resolver.resolvePtr(name), (r) => r);
      case 'CNAME':
        return pick(name, resolver.resolveCname(name), (r) => r);
      default:
        throw dnsStyleError('ENOTIMP', name);
    }
  };
}

function dnsStyleError(code: string, hostname: string): Error {
  return Object.assign(new Error(`DNS ${code} ${hostname}`), { code, hostname });
}
