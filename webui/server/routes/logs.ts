// The daemon's recent log lines (the main thread's ring, through `log.tail`),
// as a page and as a live stream, filtered by level, listener and connection.

import type { FastifyInstance } from 'fastify';
import type { LogLine, LogsResponse } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { openEventStream, type SseLimits } from '../sse.ts';

interface LogQuery {
  since?: number;
  limit?: number;
  level?: string;
  listener?: string;
  conn?: string;
}

const querySchema = {
  type: 'object',
  properties: {
    since: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 2000 },
    level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
    listener: { type: 'string', maxLength: 40 },
    conn: { type: 'string', maxLength: 40 },
  },
};

const filterOf = (q: LogQuery) => ({
  ...(q.level ? { level: q.level } : {}),
  ...(q.listener ? { listener: q.listener } : {}),
  ...(q.conn ? { conn: q.conn } : {}),
});

export async function logRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const limits: SseLimits = { open: 0, max: 10, closers: ctx.streams };
  const everyMs = ctx.deps.pollMs?.logs ?? 1000;

  app.get<{ Querystring: LogQuery }>('/api/logs', { schema: { querystring: querySchema } }, async (request): Promise<LogsResponse> => {
    const q = request.query;
    const result = await ctx.act<LogsResponse>('log.tail', {
      ...filterOf(q),
      ...(q.since !== undefined ? { since: q.since } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    });
    return { lines: result.lines, next: result.next };
  });

  app.get<{ Querystring: LogQuery }>('/api/logs/stream', { schema: { querystring: querySchema } }, async (request, reply) => {
    const filter = filterOf(request.query);
    let since: number | undefined;
    openEventStream(
      request,
      reply,
      [
        {
          event: 'log',
          everyMs,
          stream: true,
          read: async (): Promise<LogLine[]> => {
            const result = await ctx.act<LogsResponse>('log.tail', {
              ...filter,
              ...(since === undefined ? { limit: 100 } : { since, limit: 500 }),
            });
            since = result.next;
            return [...result.lines];
          },
        },
      ],
      limits,
      ctx.deps.secure,
    );
  });
}
