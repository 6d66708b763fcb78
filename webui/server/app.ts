// The web UI's server: buildApp(deps) makes the fastify app without listening
// (tests use inject()); the Service in ../service.ts runs it. Route groups are
// encapsulated plugins with thin routes over the admin actions the CLI uses;
// the checks every request must pass live in gate.ts.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { BackupScheduler } from '../../firmware/backup-schedule/index.ts';
import { createWebBackupScheduler } from './backup-schedule.ts';
import { createBoxState, createRouteContext } from './context.ts';
import type { WebDeps } from './deps.ts';
import { toApiError } from './errors.ts';
import { installGate } from './gate.ts';
import { createPresenceGate } from './presence.ts';
import { createFailureLimiter } from './rate-limit.ts';
import { autoconfigRoutes } from './routes/autoconfig.ts';
import { backupScheduleRoutes } from './routes/backup-schedule.ts';
import { checkRoutes } from './routes/checks.ts';
import { directoryRoutes } from './routes/directory.ts';
import { logRoutes } from './routes/logs.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { queueRoutes } from './routes/queue.ts';
import { sessionRoutes } from './routes/session.ts';
import { settingsRoutes } from './routes/settings.ts';
import { setupRoutes } from './routes/setup.ts';
import { statusRoutes } from './routes/status.ts';
import { updateRoutes } from './routes/update.ts';
import { createSessionStore } from './sessions.ts';
import { createStaticFiles } from './static-files.ts';

export interface BuildOptions {
  /** Extra fastify options (the Service passes `https`). */
  readonly fastify?: FastifyServerOptions & { https?: { key: Buffer; cert: Buffer } };
}

export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly access: string;
}

/** Every route as registered, for the test that walks the table. */
export type RouteTable = RouteInfo[];

export interface WebApp extends FastifyInstance {
  readonly routeTable: RouteTable;
  /** Scheduled backups: the Service ticks it (start/stop); tests call tick() with their own clock. */
  readonly backups: BackupScheduler;
}

export function buildApp(deps: WebDeps, options: BuildOptions = {}): WebApp {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // The box is reached by IP on the LAN; no proxy sits in front of it.
    trustProxy: false,
    // No automatic HEAD twins: a HEAD of /api/backup would make a snapshot for nothing. The app's files have one.
    exposeHeadRoutes: false,
    ...(options.fastify ?? {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;

  const routeTable: RouteTable = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routeTable.push({ method, url: route.url, access: route.config?.access ?? 'admin' });
  });

  const sessions = createSessionStore({
    now: deps.now,
    idleMs: deps.sessionTimes?.idleMs ?? 30 * 60_000,
    absoluteMs: deps.sessionTimes?.absoluteMs ?? 12 * 3_600_000,
  });
  const box = createBoxState(deps);
  const limiter = createFailureLimiter({
    now: deps.now,
    max: deps.loginLimit?.max ?? 5,
    windowMs: deps.loginLimit?.windowMs ?? 5 * 60_000,
  });
  const ctx = createRouteContext(deps, sessions, box, limiter);
  const presence = createPresenceGate({
    admin: deps.admin,
    now: deps.now,
    timeoutMs: deps.presenceTimeoutMs ?? 120_000,
    onConfirmed: () => box.invalidate(),
    ...(deps.log ? { log: deps.log } : {}),
  });

  const backups = createWebBackupScheduler(deps, async () => (await box.get()).hostname);

  installGate(app, ctx);
  // Event streams never end on their own: end them so close() does not wait for the browsers.
  app.addHook('preClose', async () => {
    for (const end of [...ctx.streams]) end();
  });
  app.addHook('onClose', async () => backups.stop());

  app.setErrorHandler((err, request, reply) => {
    const mapped = toApiError(err);
    if (mapped.status >= 500) deps.log?.error({ err: String(err), url: request.url }, 'web request failed');
    return reply.code(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler({}, (_request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such page.' } }));

  app.get('/health', { config: { access: 'public' } }, async () => ({ ok: true, time: new Date(deps.now()).toISOString() }));

  app.register(async (scope) => sessionRoutes(scope, ctx));
  app.register(async (scope) => setupRoutes(scope, { ...ctx, presence }));
  app.register(async (scope) => statusRoutes(scope, ctx));
  app.register(async (scope) => directoryRoutes(scope, ctx));
  app.register(async (scope) => settingsRoutes(scope, ctx));
  app.register(async (scope) => queueRoutes(scope, ctx));
  app.register(async (scope) => logRoutes(scope, ctx));
  app.register(async (scope) => maintenanceRoutes(scope, ctx));
  app.register(async (scope) => backupScheduleRoutes(scope, ctx, backups));
  app.register(async (scope) => updateRoutes(scope, ctx));
  app.register(async (scope) => checkRoutes(scope, ctx));
  app.register(async (scope) => autoconfigRoutes(scope, ctx));

  const files = createStaticFiles(deps.staticDir);
  app.register(async (scope) => {
    scope.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      config: { access: 'public' },
      handler: async (request, reply) => {
        if (request.url.startsWith('/api/') || request.url === '/api') {
          return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such API route.' } });
        }
        return files.handle(request, reply);
      },
    });
  });

  return Object.assign(app, { routeTable, backups });
}
