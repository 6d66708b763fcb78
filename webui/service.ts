// The web listener as a supervised Service (run in its own worker thread).
// Appliance mode: HTTPS with the box's certificate (re-read when the files are
// replaced) plus a plain-HTTP listener (port 80 by default) that redirects to
// it and answers /health. Dev mode: plain HTTP on the configured address.
//
// Options (ctx.options, plain data from the daemon):
//   adminSocket        path of the daemon's admin socket (required)
//   redirectPort       port of the HTTP->HTTPS redirect; default 80 in appliance mode on 443, none in dev; false = none
//   redirectHost       address for it; default: the web listener's host
//   staticDir          the built browser app; default webui/app/dist next to this file
//   sshAuthorizedKeys  authorized_keys of the maintenance user; default /home/pochta-admin/.ssh/authorized_keys (dev: <data>/ssh/authorized_keys)
//   sshFlagFile        exists while SSH should be on; default <data>/ssh-enabled
//   sshUser            the maintenance user's name; default pochta-admin
//   http               true: plain HTTP even in appliance mode (behind another TLS terminator)

import { existsSync, type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DnsResolver } from '../firmware/net/resolver.ts';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from '../firmware/supervisor/service.ts';
import { socketAdminCaller } from './server/admin-socket.ts';
import { buildApp } from './server/app.ts';
import type { WebDeps } from './server/deps.ts';
import { acceptPlainHttp } from './server/plain-on-tls-port.ts';
import { probeTcp } from './server/probe-tcp.ts';
import { readSystemFacts } from './server/system-facts.ts';

export { buildApp } from './server/app.ts';

// Beside this file (the source tree, or the image's dist/webui/app/dist), else the
// checkout's webui/app/dist when running a local `npm run build` from dist/.
const STATIC_CANDIDATES = [new URL('./app/dist', import.meta.url), new URL('../../webui/app/dist', import.meta.url)].map((u) =>
  fileURLToPath(u),
);
const defaultStaticDir = () => STATIC_CANDIDATES.find((dir) => existsSync(join(dir, 'index.html'))) ?? STATIC_CANDIDATES[0]!;

function option<T>(ctx: ListenerContext, key: string, check: (v: unknown) => v is T): T | undefined {
  const value = ctx.options?.[key];
  return check(value) ? value : undefined;
}
const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isPortOrFalse = (v: unknown): v is number | false =>
  v === false || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 65536);

/** Deps for buildApp from a listener context. */
export function webDepsFromContext(ctx: ListenerContext, extra: Partial<WebDeps> = {}): WebDeps {
  const adminSocket = option(ctx, 'adminSocket', isString);
  if (!adminSocket) throw new Error('the web listener needs options.adminSocket');
  const plainHttp = ctx.dev || ctx.options?.['http'] === true;
  return {
    admin: socketAdminCaller(adminSocket),
    now: ctx.now,
    dev: ctx.dev,
    secure: !plainHttp,
    hostname: ctx.hostname,
    dataDir: ctx.dataDir,
    tls: ctx.tls,
    staticDir: option(ctx, 'staticDir', isString) ?? defaultStaticDir(),
    ssh: {
      authorizedKeys:
        option(ctx, 'sshAuthorizedKeys', isString) ??
        (ctx.dev ? join(ctx.dataDir, 'ssh', 'authorized_keys') : '/home/pochta-admin/.ssh/authorized_keys'),
      flagFile: option(ctx, 'sshFlagFile', isString) ?? join(ctx.dataDir, 'ssh-enabled'),
      user: option(ctx, 'sshUser', isString) ?? 'pochta-admin',
    },
    resolver: (servers) => new DnsResolver({ servers }),
    systemFacts: () => readSystemFacts({ dataDir: ctx.dataDir }),
    probeTcp,
    log: ctx.log,
    ...extra,
  };
}

export const createService: ServiceFactory = async (ctx: ListenerContext): Promise<Service> => {
  const plainHttp = ctx.dev || ctx.options?.['http'] === true;
  let app: ReturnType<typeof buildApp>;
  let watcher: FSWatcher | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;
  const readTls = async () => ({ key: await readFile(ctx.tls.keyPath), cert: await readFile(ctx.tls.certPath) });

  const reloadTls = async () => {
    if (plainHttp) return;
    try {
      (app.server as unknown as HttpsServer).setSecureContext(await readTls());
      ctx.log.info('web: TLS certificate reloaded');
    } catch (err) {
      ctx.log.warn({ err: String(err) }, 'web: cannot read the new TLS files; keeping the previous certificate');
    }
  };

  const deps = webDepsFromContext(ctx, { onTlsChanged: reloadTls });
  app = buildApp(deps, plainHttp ? {} : { fastify: { https: await readTls() } });

  // The port is HTTPS, yet plain HTTP gets /health (the supervisor's probe) and a redirect.
  if (!plainHttp) acceptPlainHttp(app.server, { httpsPort: () => bound?.port ?? ctx.address?.port ?? 443, fallbackHost: ctx.hostname });

  // Port 80 only for the standard set-up (HTTPS on 443): tests and side-by-side daemons run unprivileged.
  const configuredRedirect = option(ctx, 'redirectPort', isPortOrFalse);
  const redirectPort = plainHttp ? false : (configuredRedirect ?? (ctx.address?.port === 443 ? 80 : false));
  let redirect: Server | undefined;
  let bound: ListenAddress | undefined;

  return {
    async start() {
      if (!ctx.address) throw new Error('the web listener needs an address');
      await app.listen({ host: ctx.address.host, port: ctx.address.port });
      const info = app.server.address();
      bound = info && typeof info === 'object' ? { host: ctx.address.host, port: info.port } : ctx.address;
      if (!plainHttp) {
        // The certificate is replaced by rename (web UI upload, `mv`): watch the directory.
        try {
          const names = new Set([basename(ctx.tls.certPath), basename(ctx.tls.keyPath)]);
          watcher = watch(dirname(ctx.tls.certPath), { persistent: false }, (_event, file) => {
            if (file !== null && !names.has(file)) return;
            clearTimeout(reloadTimer);
            reloadTimer = setTimeout(() => void reloadTls(), 500);
          });
          watcher.on('error', () => watcher?.close());
        } catch {
          // No inotify: uploads from the web UI still reload through onTlsChanged.
        }
      }
      if (redirectPort !== false) {
        redirect = createServer((req, res) => redirectToHttps(req, res, bound!.port, ctx.hostname));
        const host = option(ctx, 'redirectHost', isString) ?? ctx.address.host;
        await new Promise<void>((resolve, reject) => {
          redirect!.once('error', reject);
          redirect!.listen(redirectPort, host, () => {
            redirect!.off('error', reject);
            resolve();
          });
        });
      }
      // Scheduled backups are looked at every minute (see server/backup-schedule.ts for why they run here).
      app.backups.start(60_000);
      ctx.log.info({ address: bound, https: !plainHttp, redirectPort }, 'web listening');
    },
    async stop(deadline) {
      app.backups.stop();
      clearTimeout(reloadTimer);
      watcher?.close();
      // close() waits for open keep-alive connections (and live event streams); cut them at the deadline.
      const timer = setTimeout(
        () => {
          app.server.closeAllConnections();
          redirect?.closeAllConnections();
        },
        Math.max(0, deadline - Date.now()),
      );
      try {
        await Promise.all([app.close(), redirect ? new Promise<void>((resolve) => redirect!.close(() => resolve())) : undefined]);
      } finally {
        clearTimeout(timer);
      }
    },
    address: () => bound,
  };
};

/** Plain HTTP: /health answers (probes, load balancers), everything else moves to HTTPS. */
export function redirectToHttps(req: IncomingMessage, res: ServerResponse, httpsPort: number, fallbackHost: string): void {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  const hostHeader = String(req.headers.host ?? '');
  // Only a plain host name or address from the Host header; anything odd gets the box's own name.
  const hostOnly = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.exec(hostHeader)?.[1] ?? fallbackHost;
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  const path = (req.url ?? '/').startsWith('/') ? (req.url ?? '/') : '/';
  res.writeHead(301, { location: `https://${hostOnly}${port}${path}`, 'content-type': 'text/plain' }).end('Moved to HTTPS\n');
}
