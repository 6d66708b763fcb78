// The SMTP listeners as supervisor Services: 'smtp' (inbound MX on port 25),
// 'submission' (587, STARTTLS) and 'smtps' (465, implicit TLS). The worker
// runtime imports this file and calls createService with the listener's
// context; everything the listener needs is built here from that context.

import { createMailCounterReporter } from '../admin/mail-counters.ts';
import type { Settings } from '../config/settings.ts';
import { createLocalTarget, createOutboundTarget, createRouter, type DeliveryTarget } from '../delivery/index.ts';
import { PochtaError } from '../errors.ts';
import { DnsblChecker } from '../filters/dnsbl.ts';
import type { DnsblOptions } from '../filters/dnsbl-zones.ts';
import { parseIp, reverseName } from '../net/cidr.ts';
import { loadOptionalListenerTls } from '../net/listener-tls.ts';
import { DnsResolver, type Resolver } from '../net/resolver.ts';
import { signatureOf, verifyPassword } from '../store/helpers.ts';
import type { BodyAnalysis } from '../store/types.ts';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from '../supervisor/service.ts';
import type { DnsblOutcome, MessageAuthInput, MessageAuthOutcome, SmtpMode, SmtpServerDeps, SmtpTuning } from './policy.ts';
import { createSmtpListener } from './server.ts';
import { createSettingsCache } from './settings-cache.ts';

const MODES: readonly SmtpMode[] = ['smtp', 'submission', 'smtps'];

/** Extra wiring a test or the composition root may supply; the listener context alone is enough. */
export interface SmtpServiceOverrides {
  /** The target for remote recipients; the outbound queue in the store by default. */
  readonly outbound?: DeliveryTarget;
  readonly resolver?: Resolver;
  readonly authenticate?: SmtpServerDeps['authenticate'];
  readonly tuning?: Partial<SmtpTuning>;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const createService: ServiceFactory = (ctx) => createSmtpService(ctx);

export async function createSmtpService(ctx: ListenerContext, overrides: SmtpServiceOverrides = {}): Promise<Service> {
  const mode = ctx.name as SmtpMode;
  if (!MODES.includes(mode)) throw new PochtaError('BAD_CONFIG', `smtp service cannot run listener ${ctx.name}`);
  const address = ctx.address;
  if (!address) throw new PochtaError('BAD_CONFIG', `listener ${ctx.name} has no address`);
  const log = ctx.log;

  const settings = createSettingsCache(ctx.store, ctx.dev, log);
  const initial = await settings.get();
  const ownResolver = overrides.resolver ? undefined : new DnsResolver(resolverOptions(initial));
  const resolver: Resolver = overrides.resolver ?? ownResolver!;
  const dnsbl = mode === 'smtp' ? new DnsblChecker(dnsblOptions(initial), { resolver, now: ctx.now, log }) : undefined;
  settings.onChange((s) => {
    ownResolver?.update(resolverOptions(s));
    try {
      dnsbl?.update(dnsblOptions(s));
    } catch (err) {
      log.warn({ err: String(err) }, 'DNSBL settings refused; keeping the previous ones');
    }
  });

  // Implicit TLS cannot run without a certificate; the others run without STARTTLS.
  const tls = await loadOptionalListenerTls(ctx.tls, log, { implicitTls: mode === 'smtps', upgradeCommand: 'STARTTLS' });

  // Bodies are analyzed here rather than on the store's thread (Delivery.analysis). The MIME
  // room loads after start, so a restarted listener answers first; until then the store analyzes.
  let analyzeBody: ((body: Uint8Array) => BodyAnalysis) | undefined;
  void import('../mime/index.ts')
    .then(({ analyze }) => {
      analyzeBody = (body) => {
        const info = analyze(body);
        return { info, signature: signatureOf(info) };
      };
    })
    .catch((err: unknown) => log.warn({ err: String(err) }, 'MIME analyzer not loaded; the store analyzes bodies'));
  const local = createLocalTarget({ store: ctx.store, hostname: ctx.hostname, now: ctx.now, log, analyze: (body) => analyzeBody?.(body) });
  const outbound = overrides.outbound ?? createOutboundTarget({ store: ctx.store, hostname: ctx.hostname, now: ctx.now, log });
  const target = createRouter({ store: ctx.store, local, outbound, log });

  const deps: SmtpServerDeps = {
    mode,
    store: ctx.store,
    settings,
    target,
    hostname: ctx.hostname,
    log,
    dev: ctx.dev,
    now: ctx.now,
    verifyPassword,
    reverseLookup: (ip) => reverseLookup(resolver, ip),
    ...(tls ? { tls: { key: tls.key, cert: tls.cert, context: tls.current } } : {}),
    ...(dnsbl ? { dnsbl: (ip: string) => checkDnsbl(dnsbl, ip) } : {}),
    ...(mode === 'smtp' ? { authenticate: overrides.authenticate ?? ((input, s) => authenticateMessage(resolver, input, s)) } : {}),
    ...(overrides.tuning ? { tuning: overrides.tuning } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  };
  const counters = createMailCounterReporter();
  const listener = createSmtpListener({ ...deps, count: (kind) => counters.count(kind) });
  let bound: ListenAddress | undefined;

  return {
    async start() {
      dnsbl?.start();
      bound = await listener.listen(address);
      log.info({ address: bound, mode }, 'listening');
    },
    async stop(deadline) {
      dnsbl?.stop();
      settings.close();
      tls?.close();
      await listener.close(deadline);
      ownResolver?.cancel();
      counters.close();
    },
    address: () => bound,
  };
}

function resolverOptions(s: Settings) {
  return { servers: s['dns.servers'], timeoutMs: s['dnsbl.timeoutMs'] };
}

function dnsblOptions(s: Settings): DnsblOptions {
  return {
    zones: s['dnsbl.zones'].map((z) => ({ zone: z.zone, weight: z.weight, ...(z.codes ? { codes: z.codes } : {}) })),
    threshold: s['dnsbl.threshold'],
    allow: s['dnsbl.allow'],
    timeoutMs: s['dnsbl.timeoutMs'],
  };
}

async function checkDnsbl(checker: DnsblChecker, ip: string): Promise<DnsblOutcome> {
  const result = await checker.check(ip);
  const zone = result.listings[0]?.zone;
  const verdict = result.verdict;
  return {
    listed: result.listed,
    score: result.score,
    ...(zone ? { zone } : {}),
    // The filter names the zones and their operators' lookup pages; for a zone it knows no page of, ours names a generic one.
    ...(verdict.kind !== 'accept' && verdict.text.includes('://')
      ? { reply: { code: verdict.code, enhanced: verdict.enhanced, text: verdict.text } }
      : {}),
  };
}

// The client's PTR name for the Received header; a slow or failing DNS just leaves it out.
async function reverseLookup(resolver: Resolver, ip: string): Promise<string | undefined> {
  const parsed = parseIp(ip);
  if (!parsed) return undefined;
  const name = `${reverseName(parsed)}.${parsed.family === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
  const answer = await resolver.resolvePtr(name);
  return answer.records[0];
}

// SPF, DKIM and DMARC with mailauth over our resolver; the headers it writes go on top of the message.
// Loaded with the first message, not at start: mailauth is most of a listener's
// start time, and a crashed listener must answer again fast (the loader caches it).
async function authenticateMessage(resolver: Resolver, input: MessageAuthInput, settings: Settings): Promise<MessageAuthOutcome> {
  const { checkAuthentication } = await import('../filters/auth-results.ts');
  const verdicts = await checkAuthentication(
    {
      message: Buffer.from(input.message.buffer, input.message.byteOffset, input.message.byteLength),
      ip: input.ip,
      helo: input.helo,
      sender: input.mailFrom,
    },
    { resolver, hostname: input.hostname, honourDmarcReject: settings['dmarc.enforceReject'] },
  );
  return { header: verdicts.headers, verdict: verdicts.verdict, score: verdicts.scored.score };
}
