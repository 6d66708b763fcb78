// Carry one message to the recipients of one group: either directly to the
// domain's MX hosts, or everything to the configured smarthost. Returns one
// result per recipient and never throws, so the runner only does bookkeeping.

import type { ConnectionOptions } from 'node:tls';
import { hostAddresses, type MxResolver, resolveMxRoute } from './mx.ts';
import { localResult, type RecipientResult } from './reply.ts';
import type { Smarthost } from './settings.ts';
import { type ClientOptions, type HostAttempt, type HostTarget, type MessageSource, sendViaHost } from './smtp-client.ts';

export interface RouteOptions {
  readonly resolver: MxResolver;
  /** Port of remote MX hosts: 25 in production; tests point it at their own server. */
  readonly mxPort: number;
  /**
   * TLS options for STARTTLS towards MX hosts. Direct delivery uses TLS
   * opportunistically and does not verify certificates by default: most MX
   * certificates do not match the MX name, and refusing them would only push
   * the mail back to plain text, which is worse (RFC 7435).
   */
  readonly mxTls?: ConnectionOptions;
  /** TLS options for the smarthost (a private CA in tests); certificates are verified. */
  readonly smarthostTls?: ConnectionOptions;
  readonly client: ClientOptions;
  /**
   * Our own names: an MX host by one of them is skipped, and a domain whose
   * every MX is us fails with 5.4.6 instead of looping between queue and MX.
   */
  readonly selfNames?: readonly string[];
  /** Shuffle source for equal MX preferences. */
  readonly random?: () => number;
  /**
   * Most connection attempts per domain and pass (addresses of all MX hosts
   * together), so a domain whose hosts all time out costs minutes, not hours.
   */
  readonly maxConnections?: number;
  /** Runs one transaction; replaceable only to count attempts, defaults to nodemailer's client. */
  readonly send?: typeof sendViaHost;
}

function allOf(addresses: readonly string[], make: (address: string) => RecipientResult): RecipientResult[] {
  return addresses.map(make);
}

/** Deliver to the MX hosts of `domain` (all recipients share it). */
export async function deliverDirect(
  domain: string,
  from: string,
  to: readonly string[],
  body: MessageSource,
  options: RouteOptions,
): Promise<RecipientResult[]> {
  const route = await resolveMxRoute(domain, options.resolver, options.random);
  if (route.kind === 'null-mx') {
    return allOf(to, (a) => localResult(a, 'permanent', 556, '5.1.10', `Recipient address ${domain} has a null MX (accepts no mail)`));
  }
  if (route.kind === 'no-domain') {
    return allOf(to, (a) => localResult(a, 'permanent', 550, '5.1.2', `Domain ${domain} does not exist (${route.detail})`));
  }
  if (route.kind === 'dns-error') {
    return allOf(to, (a) => localResult(a, 'temporary', 451, '4.4.3', `DNS lookup failed: ${route.detail}`));
  }
  const self = new Set((options.selfNames ?? []).map((n) => n.toLowerCase()));
  const hosts = route.hosts.filter((h) => !self.has(h.name));
  if (hosts.length === 0) {
    return allOf(to, (a) => localResult(a, 'permanent', 554, '5.4.6', `Mail for ${domain} loops back to myself`));
  }
  const send = options.send ?? sendViaHost;
  const failures: string[] = [];
  let lastHost: string | undefined;
  let budget = options.maxConnections ?? 6;
  for (const mx of hosts) {
    if (budget <= 0) break;
    const lookup = await hostAddresses(mx.name, options.resolver);
    if ('error' in lookup) {
      failures.push(lookup.error);
      continue;
    }
    for (const address of lookup.addresses) {
      if (budget-- <= 0) break;
      const target: HostTarget = {
        host: address,
        port: options.mxPort,
        name: mx.name,
        tlsMode: 'opportunistic',
        tls: { rejectUnauthorized: false, ...(options.mxTls ?? {}) },
      };
      lastHost = mx.name;
      const attempt: HostAttempt = await send(target, { from, to }, body, options.client);
      if (attempt.kind === 'done') return [...attempt.results];
      failures.push(`${mx.name}[${address}]: ${attempt.detail}`);
    }
  }
  const detail = failures.length > 0 ? failures.slice(-3).join('; ') : 'no usable host';
  return allOf(to, (a) => {
    const r = localResult(a, 'temporary', 451, '4.4.1', `No answer from any mail host of ${domain}: ${detail}`);
    return lastHost === undefined ? r : { ...r, remoteMta: lastHost };
  });
}

/**
 * Deliver everything through the smarthost. A failure to connect or to log
 * in is temporary even when the server says 5xx: it is this box's setting that
 * is wrong, and the mail should wait until the admin fixes it, not bounce.
 */
export async function deliverSmarthost(
  smarthost: Smarthost,
  from: string,
  to: readonly string[],
  body: MessageSource,
  options: RouteOptions,
): Promise<RecipientResult[]> {
  const tlsMode = smarthost.tls === 'implicit' ? 'implicit' : smarthost.tls === 'none' ? 'none' : 'required';
  const base: HostTarget = {
    host: smarthost.host,
    port: smarthost.port,
    name: smarthost.host,
    tlsMode,
    tls: { ...(options.smarthostTls ?? {}) },
  };
  const target: HostTarget =
    smarthost.user === undefined ? base : { ...base, auth: { user: smarthost.user, pass: smarthost.password ?? '' } };
  const attempt = await (options.send ?? sendViaHost)(target, { from, to }, body, options.client);
  if (attempt.kind === 'done') return [...attempt.results];
  return allOf(to, (a) => ({
    ...localResult(a, 'temporary', 451, '4.4.1', `Smarthost ${smarthost.host}:${smarthost.port}: ${attempt.reply ?? attempt.detail}`),
    remoteMta: smarthost.host,
  }));
}
