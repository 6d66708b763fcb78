// The web listener as a supervised Service. For now it only answers
// GET /health (what the supervisor's httpProbe asks); the web UI issue builds
// the app behind it.

import Fastify, { type FastifyInstance } from 'fastify';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from '../firmware/supervisor/service.ts';

/** Build the app without listening, so tests can use inject(). */
export function buildApp(ctx: Pick<ListenerContext, 'now'>): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ ok: true, time: new Date(ctx.now()).toISOString() }));
  return app;
}

export const createService: ServiceFactory = (ctx: ListenerContext): Service => {
  const app = buildApp(ctx);
  let bound: ListenAddress | undefined;
  return {
    async start() {
      if (!ctx.address) throw new Error('the web listener needs an address');
      await app.listen({ host: ctx.address.host, port: ctx.address.port });
      const info = app.server.address();
      bound = info && typeof info === 'object' ? { host: ctx.address.host, port: info.port } : ctx.address;
      ctx.log.info({ address: bound }, 'web listening');
    },
    async stop(deadline) {
      // close() waits for open keep-alive connections; cut them at the deadline.
      const timer = setTimeout(() => app.server.closeAllConnections(), Math.max(0, deadline - Date.now()));
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
      }
    },
    address: () => bound,
  };
};
