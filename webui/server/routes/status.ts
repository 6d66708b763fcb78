// The dashboard: listeners, store and queue figures, mail counters, host
// facts, the front panel, and the live stream of their changes.

import type { FastifyInstance } from 'fastify';
import type { ListenerView, MailStats, PanelState, QueueSummary, StatusResponse, StoreStatsView, SystemFacts } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';
import { openEventStream, type SseLimits } from '../sse.ts';

interface StatusAction {
  readonly version: string;
  readonly hostname: string;
  readonly dev: boolean;
  readonly startedAt?: number;
  readonly uptimeMs?: number;
  readonly listeners: readonly ListenerView[];
  readonly store: StoreStatsView;
}

export async function readStatus(ctx: RouteContext): Promise<StatusResponse> {
  const [status, mail, queue, state] = await Promise.all([
    ctx.act<StatusAction>('status'),
    ctx.act<MailStats>('stats.mail'),
    ctx.act<QueueSummary[]>('queue.list'),
    ctx.box.get(),
  ]);
  const oldest = queue.reduce<number | undefined>((min, q) => (min === undefined || q.createdAt < min ? q.createdAt : min), undefined);
  return {
    version: status.version,
    hostname: state.hostname,
    dev: status.dev,
    ...(status.startedAt !== undefined ? { startedAt: status.startedAt } : {}),
    ...(status.uptimeMs !== undefined ? { uptimeMs: status.uptimeMs } : {}),
    listeners: status.listeners,
    store: status.store,
    queue: { size: queue.length, ...(oldest !== undefined ? { oldestAt: oldest } : {}) },
    mail: { today: mail.today, series: mail.series },
  };
}

export async function statusRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const limits: SseLimits = { open: 0, max: 20, closers: ctx.streams };
  const poll = ctx.deps.pollMs ?? { status: 2000, panel: 1000, logs: 1000 };

  app.get('/api/status', async (): Promise<StatusResponse> => readStatus(ctx));

  app.get('/api/system', async (): Promise<SystemFacts> => ctx.deps.systemFacts());

  app.get('/api/panel', async (): Promise<PanelState> => ctx.act<PanelState>('gpio.state'));

  app.post<{ Body: { kind: 'short' | 'long' } }>(
    '/api/panel/press',
    { schema: { body: { type: 'object', required: ['kind'], properties: { kind: { enum: ['short', 'long'] } } } } },
    async (request): Promise<PanelState> => {
      // Outside dev mode a press must be physical, even on a simulated board (no GPIO): `pochta gpio press` over SSH.
      if (!(await ctx.simButton())) throw new ApiFailure(403, 'FORBIDDEN', 'The button can only be pressed on the box itself.');
      return ctx.act<PanelState>('gpio.press', { kind: request.body.kind }, { INVALID_ARGUMENT: 'kind' });
    },
  );

  app.post<{ Params: { name: string } }>('/api/listeners/:name/restart', async (request) =>
    ctx.act('listener.restart', { name: request.params.name }, { INVALID_ARGUMENT: 'name' }),
  );

  app.get('/api/events', async (request, reply) => {
    openEventStream(
      request,
      reply,
      [
        { event: 'status', everyMs: poll.status, read: () => readStatus(ctx) },
        { event: 'panel', everyMs: poll.panel, read: () => ctx.act('gpio.state') },
      ],
      limits,
      ctx.deps.secure,
    );
  });
}
