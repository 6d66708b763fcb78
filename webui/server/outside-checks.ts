// Mail health checks about how the world sees the box, run from the box:
// reverse DNS of its public address (forward-confirmed), that address on each
// DNSBL zone the box uses, and whether port 25 of that address reaches the
// box. The address is the one the admin set, else the A record of the MX host
// of the primary domain. What cannot be tested from inside (a private address)
// says so, and says what to check instead.

import type { DnsblZone } from '../../firmware/config/settings.ts';
import { CidrList, formatIp, parseIp, ptrName, reverseName } from '../../firmware/net/cidr.ts';
import type { Resolver } from '../../firmware/net/resolver.ts';
import type { HealthCheck } from '../api-types.ts';

export interface OutsideInputs {
  /** The domain set up first (its MX says where the world delivers). */
  readonly primaryDomain: string | undefined;
  /** Names that mean "this box" in an SMTP greeting (the mail host name, the daemon's name). */
  readonly boxNames: readonly string[];
  /** The public address the admin set, if any. */
  readonly publicAddress: string | undefined;
  readonly zones: readonly DnsblZone[];
  readonly resolver: Resolver;
  /** The greeting of host:port (rejects when nothing answers). */
  readonly greeting: (host: string, port: number, timeoutMs: number) => Promise<string>;
  /** Where the port-25 check connects, and whether private addresses are tried anyway (tests). */
  readonly probe: { readonly port: number; readonly tryPrivate: boolean; readonly timeoutMs?: number };
}

type Result = Omit<HealthCheck, 'id' | 'title'>;

// Not reachable from the internet: RFC 1918, CGNAT, loopback, link-local, ULA, documentation-free.
const PRIVATE = CidrList.parse([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/8',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
]);
const LOOPBACK_NET = CidrList.parse(['127.0.0.0/8']);
const DNSBL_ERRORS = CidrList.parse(['127.255.255.0/24']);

export function isPrivateAddress(address: string): boolean {
  return PRIVATE.contains(address);
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');

interface FoundAddress {
  readonly address: string;
  /** How it was found, for the details. */
  readonly source: string;
  /** The MX host, when found through DNS. */
  readonly mxHost?: string;
}

/** The box's public address, or a result saying why it is not known. */
async function findAddress(input: OutsideInputs): Promise<FoundAddress | Result> {
  if (input.publicAddress) return { address: input.publicAddress, source: 'the public address set on this page' };
  const domain = input.primaryDomain;
  if (!domain) {
    return { status: 'unknown', detail: 'No mail domain is set up yet.', fix: 'Add your domain under Domains.' };
  }
  const mx = await input.resolver.resolveMx(domain);
  const host = [...mx.records].sort((a, b) => a.priority - b.priority)[0]?.exchange;
  if (!host) {
    return {
      status: 'unknown',
      detail: `${domain} has no MX record yet, so the box's public address is not known.`,
      fix: 'Publish the MX record (see DNS records), or give the public address below.',
    };
  }
  const a = await input.resolver.resolve4(host);
  const address = a.records[0]?.address;
  if (!address) {
    return {
      status: 'unknown',
      detail: `The mail server name ${norm(host)} (the MX of ${domain}) has no address (A record).`,
      fix: `Publish an A record for ${norm(host)} with the office's public IP address, or give the public address below.`,
    };
  }
  return { address, source: `the address of ${norm(host)}, the MX of ${domain}`, mxHost: norm(host) };
}

const cannotTestPrivate = (address: string, what: string): Result => ({
  status: 'unknown',
  detail: `Cannot test from inside: ${address} is a private (office network) address, so ${what}.`,
  fix: 'Give the office’s public IP address below (your internet provider or the router’s status page tells it), or publish it as the A record of the MX host.',
});

async function reverseDns(found: FoundAddress, input: OutsideInputs): Promise<Result> {
  const ip = parseIp(found.address);
  if (!ip) return { status: 'unknown', detail: `${found.address} is not an IP address.` };
  if (isPrivateAddress(found.address)) return cannotTestPrivate(found.address, 'no reverse DNS the internet sees belongs to it');
  const want = found.mxHost ?? input.boxNames[0] ?? 'the mail host name';
  const ptr = await input.resolver.resolvePtr(ptrName(ip));
  const names = ptr.records.map(norm);
  if (names.length === 0) {
    return {
      status: 'fail',
      detail: `${found.address} (${found.source}) has no reverse DNS name. Many mail servers refuse mail from such addresses.`,
      fix: `Ask your internet provider (who owns the address) to set the reverse DNS (PTR) of ${found.address} to ${want}.`,
    };
  }
  // Addresses compared in one canonical form: an IPv6 address has many spellings.
  const canonical = (text: string) => {
    const parsed = parseIp(text);
    return parsed ? formatIp(parsed) : text;
  };
  const want4 = ip.family === 4;
  for (const name of names) {
    const forward = await (want4 ? input.resolver.resolve4(name) : input.resolver.resolve6(name)).catch(() => undefined);
    if (forward?.records.some((r) => canonical(r.address) === canonical(found.address))) {
      const matchesBox = input.boxNames.map(norm).includes(name) || name === found.mxHost;
      return {
        status: 'ok',
        detail: `${found.address} is named ${name}, and ${name} points back to it.${matchesBox ? '' : ` (Receivers prefer it to be the box's mail name, ${want}.)`}`,
      };
    }
  }
  return {
    status: 'fail',
    detail: `${found.address} is named ${names.join(', ')}, but that name does not point back to ${found.address}. Receivers treat this as no reverse DNS.`,
    fix: `Either publish an A record ${names[0]} → ${found.address}, or ask your internet provider to set the reverse DNS of ${found.address} to ${want}.`,
  };
}

async function onZone(found: FoundAddress, zone: DnsblZone, resolver: Resolver): Promise<Result> {
  const ip = parseIp(found.address);
  if (!ip) return { status: 'unknown', detail: `${found.address} is not an IP address.` };
  if (isPrivateAddress(found.address)) return cannotTestPrivate(found.address, 'no blocklist lists it');
  const answer = await resolver.resolve4(`${reverseName(ip)}.${zone.zone}`);
  const codes = zone.codes ? CidrList.parse([...zone.codes]) : undefined;
  const listed = answer.records.filter(
    (r) => LOOPBACK_NET.contains(r.address) && !DNSBL_ERRORS.contains(r.address) && (!codes || codes.contains(r.address)),
  );
  if (listed.length > 0) {
    return {
      status: 'fail',
      detail: `${found.address} is listed on ${zone.zone} (answer ${listed.map((r) => r.address).join(', ')}). Other servers using this list refuse the box's mail.`,
      fix: `Look the address up on the list's website to see why; fix the cause (a computer in the office sending spam, a hacked mail account), then ask the list to remove it. Until then, send through a relay server (Sending and relay).`,
    };
  }
  const errors = answer.records.filter((r) => !LOOPBACK_NET.contains(r.address) || DNSBL_ERRORS.contains(r.address));
  if (errors.length > 0) {
    return {
      status: 'unknown',
      detail: `${zone.zone} refused to answer (${errors.map((r) => r.address).join(', ')}): it does not answer queries through public DNS resolvers.`,
      fix: 'Use the box’s own DNS resolver (Settings: DNS servers empty), not your provider’s or a public one.',
    };
  }
  return { status: 'ok', detail: `${found.address} is not on ${zone.zone}.` };
}

async function inboundPort25(found: FoundAddress, input: OutsideInputs): Promise<Result> {
  const port = input.probe.port;
  if (isPrivateAddress(found.address) && !input.probe.tryPrivate) {
    return {
      status: 'unknown',
      detail: `Cannot test from inside: ${found.address} (${found.source}) is a private address, so connecting to it from the box says nothing about the internet.`,
      fix: 'From outside the office (a phone on mobile data, or an online "SMTP test" tool), check that port 25 of the office’s public address answers with the box’s name; on the router, forward TCP port 25 to the box.',
    };
  }
  let greeting: string;
  try {
    greeting = await input.greeting(found.address, port, input.probe.timeoutMs ?? 5000);
  } catch (err) {
    return {
      status: 'fail',
      detail: `Nothing answered on port ${port} of ${found.address} (${found.source}): ${(err as Error)?.message ?? String(err)}.`,
      fix: 'On the office router, forward TCP port 25 to the box. If it is forwarded, ask your internet provider whether it blocks incoming port 25. (Tested from the box itself: a few routers do not allow that; if mail arrives anyway, test from outside.)',
    };
  }
  const text = greeting.toLowerCase();
  const ours = text.startsWith('220') && (input.boxNames.some((n) => text.includes(norm(n))) || text.includes('esmtp pochta'));
  if (ours) return { status: 'ok', detail: `Port ${port} of ${found.address} answers as this box: "${greeting.slice(0, 120)}".` };
  return {
    status: 'fail',
    detail: `Port ${port} of ${found.address} answers, but not as this box: "${greeting.slice(0, 120)}".`,
    fix: 'The router forwards port 25 to another machine (an old mail server?), or the address is not the office’s. Forward TCP port 25 to the box.',
  };
}

async function guarded(run: () => Promise<Result>): Promise<Result> {
  try {
    return await run();
  } catch (err) {
    return {
      status: 'unknown',
      detail: `Could not check this: ${(err as Error)?.message ?? String(err)}`,
      fix: 'Check the DNS servers in Settings and the internet connection.',
    };
  }
}

export async function runOutsideChecks(input: OutsideInputs): Promise<HealthCheck[]> {
  const rdnsTitle = 'Reverse DNS of the box’s address';
  const portTitle = 'Port 25 reachable from outside';
  let found: FoundAddress | Result;
  try {
    found = await findAddress(input);
  } catch (err) {
    found = { status: 'unknown', detail: `Could not find the box's public address: ${(err as Error)?.message ?? String(err)}` };
  }
  if ('status' in found) {
    const why = found;
    return [
      { id: 'rdns', title: rdnsTitle, ...why },
      { id: 'inbound-25', title: portTitle, ...why },
      ...input.zones.map((z) => ({ id: `dnsbl-${z.zone}`, title: `Not on the blocklist ${z.zone}`, ...why })),
    ];
  }
  const address = found;
  const [rdns, port, ...zones] = await Promise.all([
    guarded(() => reverseDns(address, input)),
    guarded(() => inboundPort25(address, input)),
    ...input.zones.map((z) => guarded(() => onZone(address, z, input.resolver))),
  ]);
  return [
    { id: 'rdns', title: rdnsTitle, ...rdns! },
    { id: 'inbound-25', title: portTitle, ...port! },
    ...input.zones.map((z, i) => ({ id: `dnsbl-${z.zone}`, title: `Not on the blocklist ${z.zone}`, ...zones[i]! })),
  ];
}
