// The POP3 listeners as supervisor Services: 'pop3' (110, STLS) and 'pop3s'
// (995, implicit TLS); dev ports come from the listener registry. The worker
// runtime imports this file and calls createService with the listener's
// context; everything is built from it.

import { readSettings } from '../config/settings.ts';
import { PochtaError } from '../errors.ts';
import { isLoopback } from '../net/cidr.ts';
import { loadOptionalListenerTls } from '../net/listener-tls.ts';
import { realSleep, realTimer, type SetTimer } from '../net/timers.ts';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from '../supervisor/service.ts';
import type { Pop3Deps } from './commands/types.ts';
import { lockMaildrop } from './maildrop-lock.ts';
import { createPasswordCheck } from './password-check.ts';
import { createPop3Server } from './server.ts';

export interface Pop3ServiceOverrides {
  readonly authenticate?: Pop3Deps['authenticate'];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly setTimer?: SetTimer;
  readonly idleTimeoutMs?: number;
  readonly lockTtlMs?: number;
}

export const createService: ServiceFactory = (ctx) => createPop3Service(ctx);

export async function createPop3Service(
  ctx: ListenerContext,
  overrides: Pop3ServiceOverrides = {},
): Promise<Service & { address(): ListenAddress | undefined }> {
  if (ctx.name !== 'pop3' && ctx.name !== 'pop3s') throw new PochtaError('BAD_CONFIG', `pop3 service cannot run listener ${ctx.name}`);
  const address = ctx.address;
  if (address === undefined) throw new PochtaError('BAD_CONFIG', `listener ${ctx.name} has no address`);
  const implicitTls = ctx.name === 'pop3s';
  const log = ctx.log;
  const settings = await readSettings(ctx.store, { dev: ctx.dev });
  const setTimer = overrides.setTimer ?? realTimer;

  const tlsNow = await loadOptionalListenerTls(ctx.tls, log, { implicitTls, upgradeCommand: 'STLS' });

  const deps: Pop3Deps = {
    store: ctx.store,
    log,
    now: ctx.now,
    hostname: ctx.hostname,
    authenticate:
      overrides.authenticate ??
      createPasswordCheck({
        store: ctx.store,
        now: ctx.now,
        sleep: overrides.sleep ?? realSleep,
        maxFailures: settings['limits.authFailuresPerIp'],
      }),
    allowInsecureAuth: (remote) => ctx.dev && isLoopback(remote),
    lockMaildrop: (accountId, holder) =>
      lockMaildrop(
        { store: ctx.store, setTimer, ...(overrides.lockTtlMs === undefined ? {} : { ttlMs: overrides.lockTtlMs }) },
        accountId,
        `${ctx.name}:${holder}`,
      ),
    ...(tlsNow === undefined || implicitTls ? {} : { startTls: (socket) => tlsNow.upgrade(socket) }),
  };
  const server = createPop3Server(deps, {
    maxConnectionsPerIp: settings['limits.connectionsPerIp'],
    maxConnections: settings['limits.connectionsTotal'],
    setTimer,
    ...(implicitTls && tlsNow !== undefined ? { tls: tlsNow.serverOptions() } : {}),
    ...(overrides.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: overrides.idleTimeoutMs }),
  });
  let bound: ListenAddress | undefined;

  return {
    async start() {
      const info = await server.listen(address.port, address.host);
      bound = { host: info.address, port: info.port };
      log.info({ address: bound, tls: implicitTls }, 'listening');
    },
    async stop(deadline) {
      await server.close(deadline);
      tlsNow?.close();
    },
    address: () => bound,
  };
}
