// SRV lookups (RFC 6186 records) for the DNS helper's "what the DNS answers
// now". The project's Resolver seam has no SRV (no mail path needs it), so the
// web UI asks node:dns itself, at the same servers (the dns.servers setting),
// with the same split: an empty answer is an answer, a failure is a throw.

import { Resolver as NodeResolver } from 'node:dns/promises';
import { type DnsAnswer, parseDnsServer } from '../../firmware/net/resolver.ts';

export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** '' or '.' means "no such service here" (RFC 2782). */
  readonly name: string;
}

/** SRV records of a name; rejects when the DNS could not tell (timeout, SERVFAIL). */
export type SrvLookup = (name: string) => Promise<DnsAnswer<SrvRecord>>;

export function nodeSrvLookup(servers: readonly string[], timeoutMs = 2000): SrvLookup {
  const resolver = new NodeResolver({ timeout: timeoutMs, tries: 2, maxTimeout: timeoutMs });
  if (servers.length > 0) resolver.setServers(servers.map(parseDnsServer));
  return async (name) => {
    try {
      const records = await resolver.resolveSrv(name);
      return records.length === 0
        ? { status: 'nodata', records: [] }
        : { status: 'ok', records: records.map((r) => ({ priority: r.priority, weight: r.weight, port: r.port, name: r.name })) };
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'ENOTFOUND') return { status: 'nxdomain', records: [] };
      if (code === 'ENODATA') return { status: 'nodata', records: [] };
      throw err;
    }
  };
}
