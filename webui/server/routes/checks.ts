// The mail health page and the DNS helper.

import type { FastifyInstance } from 'fastify';
import type { DnsAdviceResponse, DomainView, HealthResponse, ListenerView, QueueSummary, SettingView } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { dnsAdvice } from '../dns-advice.ts';
import { ApiFailure } from '../errors.ts';
import { runHealthChecks } from '../health-checks.ts';
import { readCertificateInfo } from '../tls-files.ts';

export async function checkRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { deps } = ctx;
  const setting = async <T>(key: string): Promise<T> => (await ctx.act<SettingView>('settings.get', { key })).value as T;
  const resolver = async () => deps.resolver(await setting<string[]>('dns.servers'));
  const smarthost = async () => {
    const value = await setting<{ host: string; port: number } | null>('relay.smarthost');
    return value ? { host: value.host, port: value.port } : null;
  };
  const adviceFor = async (domain: DomainView): Promise<DnsAdviceResponse> => {
    const [state, relay, r] = await Promise.all([ctx.box.get(), smarthost(), resolver()]);
    return dnsAdvice(
      {
        domain: domain.name,
        hostname: state.hostname,
        ...(domain.dkim ? { dkim: domain.dkim } : {}),
        ...(relay ? { smarthost: relay.host } : {}),
      },
      r,
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
    const checks = await runHealthChecks({
      now,
      listeners: async () => (await ctx.act<{ listeners: ListenerView[] }>('status')).listeners,
      queue: () => ctx.act<QueueSummary[]>('queue.list'),
      tls: () => readCertificateInfo(deps.tls, now),
      system: () => deps.systemFacts(),
      dns: async () => Promise.all((await ctx.act<DomainView[]>('domain.list')).map(adviceFor)),
      smarthost,
      resolver,
      probeTcp: deps.probeTcp,
    });
    return { checkedAt: now, checks };
  });
}
