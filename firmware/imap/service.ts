// The IMAP listeners as supervisor Services: 'imap' (143, STARTTLS) and
// 'imaps' (993, implicit TLS). The worker runtime imports this file and calls
// createService with the listener's context; everything is built from it.

import { readSettings } from '../config/settings.ts';
import { PochtaError } from '../errors.ts';
import { isLoopback } from '../net/cidr.ts';
import { loadOptionalListenerTls } from '../net/listener-tls.ts';
import { realSleep, type SetTimer } from '../net/timers.ts';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from '../supervisor/service.ts';
import type { ImapDeps } from './commands/types.ts';
import { createPasswordCheck } from './password-check.ts';
import { createImapServer } from './server.ts';

export interface ImapServiceOverrides {
  readonly authenticate?: ImapDeps['authenticate'];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly setTimer?: SetTimer;
  readonly idleTimeoutMs?: number;
}

export const createService: ServiceFactory = (ctx) => createImapService(ctx);

export async function createImapService(
  ctx: ListenerContext,
  overrides: ImapServiceOverrides = {},
): Promise<Service & { address(): ListenAddress | undefined }> {
  if (ctx.name !== 'imap' && ctx.name !== 'imaps') throw new PochtaError('BAD_CONFIG', `imap service cannot run listener ${ctx.name}`);
  const address = ctx.address;
  if (address === undefined) throw new PochtaError('BAD_CONFIG', `listener ${ctx.name} has no address`);
  const implicitTls = ctx.name === 'imaps';
  const log = ctx.log;
  const settings = await readSettings(ctx.store, { dev: ctx.dev });

  const source = await loadOptionalListenerTls(ctx.tls, log, { implicitTls, upgradeCommand: 'STARTTLS' });
  const sleep = overrides.sleep ?? realSleep;

  const deps: ImapDeps = {
    store: ctx.store,
    log,
    now: ctx.now,
    hostname: ctx.hostname,
    authenticate:
      overrides.authenticate ??
      createPasswordCheck({ store: ctx.store, now: ctx.now, sleep, maxFailures: settings['limits.authFailuresPerIp'] }),
    allowInsecureAuth: (remote) => ctx.dev && isLoopback(remote),
    maxMessageBytes: settings['limits.messageSize'],
    // the store's search index narrows BODY/TEXT to candidates; SEARCH confirms each one
    searchCandidates: async (mailboxId, terms, messages) => {
      if (messages !== undefined) {
        // the listing is at hand: only these bodies' signatures are read
        const blobIds = [...new Set(messages.map((m) => m.blobId))];
        const verdicts = await ctx.store.searchBodyCandidates(blobIds, terms);
        if (verdicts === undefined) return undefined;
        const maybe = new Set(blobIds.filter((_, i) => verdicts[i] === 1));
        return new Set(messages.filter((m) => maybe.has(m.blobId)).map((m) => m.uid));
      }
      const uids = await ctx.store.searchCandidates(mailboxId, terms);
      return uids === undefined ? undefined : new Set(uids);
    },
    ...(source === undefined || implicitTls ? {} : { startTls: (socket) => source.upgrade(socket) }),
  };
  const server = createImapServer(deps, {
    name: ctx.name,
    maxConnectionsPerIp: settings['limits.connectionsPerIp'],
    ...(implicitTls && source !== undefined ? { tls: source.serverOptions() } : {}),
    ...(overrides.setTimer === undefined ? {} : { setTimer: overrides.setTimer }),
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
      source?.close();
    },
    address: () => bound,
  };
}
