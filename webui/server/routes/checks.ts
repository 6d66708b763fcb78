// The mail health page and the DNS helper.

import type { FastifyInstance } from 'fastify';
import { checkBackupTarget, DEFAULT_TARGET_PATHS } from '../../../firmware/backup-schedule/index.ts';
import type { DnsblZone } from '../../../firmware/config/settings.ts';
import type {
  DnsAdviceResponse,
  DomainView,
  HealthCheck,
  HealthResponse,
  ListenerView,
  PublicAddressRequest,
  QueueSummary,
  SettingView,
} from '../../api-types.ts';
import { backupHealth, type StoredBackupState } from '../backup-schedule.ts';
import type { RouteContext } from '../context.ts';
import { dnsAdvice } from '../dns-advice.ts';
import { ApiFailure } from '../errors.ts';
import { runHealthChecks } from '../health-checks.ts';
import { runOutsideChecks } from '../outside-checks.ts';
import { readSmtpGreeting } from '../smtp-greeting.ts';
import { nodeSrvLookup } from '../srv-lookup.ts';
import { readCertificateInfo } from '../tls-files.ts';

export async function checkRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { deps } = ctx;
  const setting = async <T>(key: string): Promise<T> => (await ctx.act<SettingView>('settings.get', { key })).value as T;
  const servers = () => setting<string[]>('dns.servers');
  const resolver = async () => deps.resolver(await servers());
  const smarthost = async () => {
    const value = await setting<{ host: string; port: number } | null>('relay.smarthost');
    return value ? { host: value.host, port: value.port } : null;
  };
  const adviceFor = async (domain: DomainView): Promise<DnsAdviceResponse> => {
    const [state, relay, list] = await Promise.all([ctx.box.get(), smarthost(), servers()]);
    return dnsAdvice(
      {
        domain: domain.name,
        hostname: state.hostname,
        ...(domain.dkim ? { dkim: domain.dkim } : {}),
        ...(relay ? { smarthost: relay.host } : {}),
      },
      deps.resolver(list),
      (deps.srv ?? nodeSrvLookup)(list),
    );
  };

  app.get<{ Params: { domain: string } }>('/api/dns/:domain', async (request): Promise<DnsAdviceResponse> => {
    const name = request.params.domain.trim().toLowerCase().replace(/\.$/, '');
    const domain = (await ctx.act<DomainView[]>('domain.list')).find((d) => d.name === name);
    if (!domain) throw new ApiFailure(404, 'UNKNOWN_DOMAIN', `${name} is not one of the box's domains.`, 'domain');
    return adviceFor(domain);
  });

  app.get('/api/health-checks', async (): Promise<HealthResponse> => {
    const now = deps.now();
    const outside = async (): Promise<HealthCheck[]> => {
      let inputs: [Awaited<ReturnType<typeof ctx.box.get>>, DomainView[], DnsblZone[], Awaited<ReturnType<typeof resolver>>];
      try {
        inputs = await Promise.all([ctx.box.get(), ctx.act<DomainView[]>('domain.list'), setting<DnsblZone[]>('dnsbl.zones'), resolver()]);
      } catch (err) {
        const detail = `Could not check this: ${(err as Error)?.message ?? String(err)}`;
        return [
          { id: 'rdns', title: 'Reverse DNS of the box’s address', status: 'unknown', detail },
          { id: 'inbound-25', title: 'Port 25 reachable from outside', status: 'unknown', detail },
        ];
      }
      const [state, domains, zones, r] = inputs;
      const primary = [...domains].sort((a, b) => a.createdAt - b.createdAt)[0]?.name;
      return runOutsideChecks({
        primaryDomain: primary,
        boxNames: [...new Set([state.hostname, deps.hostname])],
        publicAddress: state.publicAddress,
        zones,
        resolver: r,
        greeting: readSmtpGreeting,
        probe: deps.inboundProbe ?? { port: 25, tryPrivate: false },
      });
    };
    const backup = async (): Promise<HealthCheck> => {
      const title = 'Scheduled backup';
      try {
        const stored = await ctx.act<StoredBackupState>('backup.schedule.get');
        const target = stored.schedule
          ? await checkBackupTarget(stored.schedule.target, {
              paths: deps.backupTargets ?? DEFAULT_TARGET_PATHS,
              dataDir: deps.dataDir,
              allowSameDisk: deps.dev,
            })
          : undefined;
        return { id: 'backup', title, ...backupHealth(stored, target?.present, now) };
      } catch (err) {
        return { id: 'backup', title, status: 'unknown', detail: `Could not check this: ${(err as Error)?.message ?? String(err)}` };
      }
    };
    const [state, backupCheck, outsideChecks, checks] = await Promise.all([
      ctx.box.get(),
      backup(),
      outside(),
      runHealthChecks({
        now,
        listeners: async () => (await ctx.act<{ listeners: ListenerView[] }>('status')).listeners,
        queue: () => ctx.act<QueueSummary[]>('queue.list'),
        tls: () => readCertificateInfo(deps.tls, now),
        system: () => deps.systemFacts(),
        dns: async () => Promise.all((await ctx.act<DomainView[]>('domain.list')).map(adviceFor)),
        smarthost,
        resolver,
        probeTcp: deps.probeTcp,
      }),
    ]);
    return {
      checkedAt: now,
      checks: [...checks, backupCheck, ...outsideChecks],
      ...(state.publicAddress ? { publicAddress: state.publicAddress } : {}),
    };
  });

  app.put<{ Body: PublicAddressRequest }>(
    '/api/health-checks/address',
    {
      schema: {
        body: {
          type: 'object',
          required: ['address'],
          additionalProperties: false,
          properties: { address: { type: ['string', 'null'], maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const result = await ctx.act<{ address: string | null }>('box.address.set', { address: request.body.address });
      ctx.box.invalidate();
      return result;
    },
  );
}
