// Where mail for a domain goes when it is delivered directly (RFC 5321 §5.1):
// the MX hosts by preference, equal preferences shuffled to spread load; no MX
// record → the domain itself (its A/AAAA); a null MX ("0 .", RFC 7505) → the
// domain accepts no mail, a permanent failure.

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { MxRecord, Resolver } from '../../net/resolver.ts';

/** The part of the Resolver seam that delivery needs. */
export type MxResolver = Pick<Resolver, 'resolveMx' | 'resolve4' | 'resolve6'>;

export interface MxHost {
  /** Host name as published (for SNI, the log and the DSN's Remote-MTA). */
  readonly name: string;
  readonly preference: number;
  /** True when there was no MX and the domain itself is used (RFC 5321 implicit MX). */
  readonly implicit: boolean;
}

export type MxRoute =
  | { readonly kind: 'hosts'; readonly hosts: readonly MxHost[] }
  /** RFC 7505: the domain declares it accepts no mail. */
  | { readonly kind: 'null-mx' }
  /** The domain does not exist (NXDOMAIN): permanent. */
  | { readonly kind: 'no-domain'; readonly detail: string }
  /** DNS did not answer usefully (SERVFAIL, timeout): try again later. */
  | { readonly kind: 'dns-error'; readonly detail: string };

function codeOf(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Sort by preference; `random` shuffles hosts of equal preference (injectable so tests are repeatable). */
export function orderMx(records: readonly MxRecord[], random: () => number = Math.random): MxHost[] {
  const keyed = records.map((r) => ({ r, k: random() }));
  keyed.sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
  return keyed.map(({ r }) => ({ name: r.exchange.replace(/\.$/, '').toLowerCase(), preference: r.priority, implicit: false }));
}

/** Look up how to reach `domain` directly. Never throws: DNS trouble is a route kind. */
export async function resolveMxRoute(domain: string, resolver: MxResolver, random: () => number = Math.random): Promise<MxRoute> {
  // An address literal (user@[192.0.2.1], user@[IPv6:2001:db8::1]) names the host itself (RFC 5321 §4.1.3).
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain)?.[1];
  if (literal !== undefined) {
    if (isIP(literal) === 0) return { kind: 'no-domain', detail: `${domain}: not an address literal` };
    return { kind: 'hosts', hosts: [{ name: literal, preference: 0, implicit: true }] };
  }
  // An internationalised domain is looked up in its A-label form.
  const ascii = domainToASCII(domain);
  if (ascii === '') return { kind: 'no-domain', detail: `${domain}: not a valid domain name` };
  domain = ascii;
  let records: readonly MxRecord[];
  try {
    const answer = await resolver.resolveMx(domain);
    if (answer.status === 'nxdomain') return { kind: 'no-domain', detail: `${domain}: NXDOMAIN` };
    records = answer.records;
  } catch (err) {
    // SERVFAIL, timeout, refused: DNS could not tell, so the mail waits.
    return { kind: 'dns-error', detail: `MX ${domain}: ${codeOf(err)}` };
  }
  // No MX at all (NODATA): the domain itself is the mail host (RFC 5321 §5.1 implicit MX).
  if (records.length === 0) return { kind: 'hosts', hosts: [{ name: domain, preference: 0, implicit: true }] };
  // A null MX is a single record with the root as exchange; resolvers report it as '' or '.'.
  const isNull = (r: MxRecord) => r.exchange === '' || r.exchange === '.';
  if (records.length === 1 && records[0] !== undefined && isNull(records[0])) return { kind: 'null-mx' };
  const usable = records.filter((r) => !isNull(r));
  return { kind: 'hosts', hosts: orderMx(usable, random) };
}

export type AddressLookup = { readonly addresses: readonly string[] } | { readonly error: string };

/** A host's addresses, IPv4 first (many office networks have no working IPv6 route). An IP literal is itself. */
export async function hostAddresses(name: string, resolver: MxResolver): Promise<AddressLookup> {
  if (isIP(name) !== 0) return { addresses: [name] };
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const records = (r: typeof v4) => (r.status === 'fulfilled' ? r.value.records.map((a) => a.address) : []);
  const addresses = [...records(v4), ...records(v6)];
  if (addresses.length > 0) return { addresses };
  const why = [v4, v6]
    .map((r) => (r.status === 'rejected' ? codeOf(r.reason) : r.value.status === 'ok' ? 'empty' : r.value.status))
    .join('/');
  return { error: `${name}: no address (${why})` };
}
