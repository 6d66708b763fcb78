// The outbound queue: list, look at, retry, bounce, delete (the outbound room's actions).

import type { FastifyInstance } from 'fastify';
import type { QueueDetail, QueueSummary } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';

export async function queueRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const hints = { NOT_FOUND: 'id', INVALID_ARGUMENT: 'id' };
  app.get('/api/queue', async (): Promise<QueueSummary[]> => ctx.act('queue.list'));
  app.get<{ Params: { id: string } }>(
    '/api/queue/:id',
    async (request): Promise<QueueDetail> => ctx.act('queue.show', { id: request.params.id }, hints),
  );
  app.post<{ Params: { id: string } }>('/api/queue/:id/retry', async (request) => ctx.act('queue.retry', { id: request.params.id }, hints));
  app.post<{ Params: { id: string } }>('/api/queue/:id/bounce', async (request) =>
    ctx.act('queue.bounce', { id: request.params.id }, hints),
  );
  app.delete<{ Params: { id: string } }>('/api/queue/:id', async (request) => ctx.act('queue.delete', { id: request.params.id }, hints));
}
