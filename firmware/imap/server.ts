// The IMAP listener: accepts sockets (plain with STARTTLS, or implicit TLS) and
// gives each an ImapConnection. It owns the set of live connections so a stop
// can say BYE to each before the deadline.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { createTcpListener } from '../net/tcp-listener.ts';
import { realTimer, type SetTimer } from '../net/timers.ts';
import { commandTable } from './commands/index.ts';
import type { Command, ImapDeps, UserSessionLimit } from './commands/types.ts';
import { ImapConnection } from './connection.ts';
import { warmFields } from './fields-record.ts';
import { HeaderFieldsCache } from './header-cache.ts';
import { MessageCache, WARM_RECORD } from './message-cache.ts';
import type { StreamLimits } from './stream.ts';

export interface ImapServerOptions {
  /** Implicit TLS (port 993) with these options; plain TCP otherwise. */
  readonly tls?: tls.TlsOptions;
  /** RFC 3501 5.4: at least 30 minutes. */
  readonly idleTimeoutMs?: number;
  readonly setTimer?: SetTimer;
  readonly limits?: StreamLimits;
  /** Logged-in sessions at once per account on this listener; more get NO [LIMIT] at login. */
  readonly maxSessionsPerUser?: number;
  /** Connections at once from one client address; more get BYE at once. */
  readonly maxConnectionsPerIp?: number;
  /** The command table (tests may register extra commands). */
  readonly commands?: ReadonlyMap<string, Command>;
  /**
   * Name of the listener (imap, imaps): each keeps its own list of the
   * mailboxes to make ready at its next start (MessageCache.warm).
   */
  readonly name?: string;
}

export interface ImapServer {
  /** Bind; resolves the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /** Stop accepting, say BYE to every session, and resolve by `deadline` (ms since epoch) at the latest. */
  close(deadline: number): Promise<void>;
  readonly connections: ReadonlySet<ImapConnection>;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

export const DEFAULT_SESSIONS_PER_USER = 50;

export function createImapServer(baseDeps: ImapDeps, options: ImapServerOptions = {}): ImapServer {
  const messageCache =
    baseDeps.messageCache ??
    new MessageCache(baseDeps.store, options.name === undefined ? {} : { warmRecord: `${WARM_RECORD}:${options.name}` });
  const headerCache = baseDeps.headerCache ?? new HeaderFieldsCache();
  const deps: ImapDeps = {
    ...baseDeps,
    userSessions: userSessionLimit(options.maxSessionsPerUser ?? DEFAULT_SESSIONS_PER_USER),
    messageCache,
    headerCache,
  };
  const commands = options.commands ?? commandTable();
  const setTimer = options.setTimer ?? realTimer;
  // Ids unique across restarts of the listener: a random prefix plus a counter.
  const prefix = randomBytes(3).toString('hex');
  let counter = 0;
  // Sockets, limits and shutdown live in the shared listener; this file adds the protocol's parts.
  const listener = createTcpListener({
    protocol: 'imap',
    log: deps.log,
    now: deps.now,
    setTimer,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp: options.maxConnectionsPerIp }),
    refuse: { perIp: '* BYE Too many connections from your address\r\n', total: '* BYE Too many connections\r\n' },
    open: (socket, secure) =>
      new ImapConnection(socket, deps, commands, {
        id: `${prefix}-${++counter}`,
        secure,
        idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        setTimer,
        ...(options.limits === undefined ? {} : { limits: options.limits }),
      }),
  });

  return {
    async listen(port, host) {
      const info = await listener.listen(port, host);
      // The mailboxes last used before the stop are made ready while the
      // first clients connect and log in (scrypt runs off this thread): their
      // first sync then has no cold penalty. Not waited for; a cache only.
      void messageCache.warm((mailboxId, messages) => warmFields(deps.store, headerCache, messageCache, mailboxId, messages));
      return info;
    },
    async close(deadline) {
      try {
        await listener.close(deadline);
        // big listings kept for the first SELECT after the restart, within the deadline
        let cancel: (() => void) | undefined;
        const late = new Promise<void>((resolve) => {
          cancel = setTimer(Math.max(0, deadline - deps.now()), resolve);
        });
        await Promise.race([messageCache.save(), late]).finally(() => cancel?.());
      } finally {
        // the cache follows the change feed until the listener is gone
        messageCache.close();
      }
    },
    connections: listener.connections,
  };
}

function userSessionLimit(max: number): UserSessionLimit {
  const counts = new Map<string, number>();
  return {
    acquire(accountId) {
      const n = counts.get(accountId) ?? 0;
      if (n >= max) return false;
      counts.set(accountId, n + 1);
      return true;
    },
    release(accountId) {
      const n = (counts.get(accountId) ?? 1) - 1;
      if (n > 0) counts.set(accountId, n);
      else counts.delete(accountId);
    },
  };
}
