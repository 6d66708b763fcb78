// The POP3 listener: accepts sockets (plain with STLS, or implicit TLS) and
// gives each a Pop3Connection. It owns the set of live connections so a stop
// can close each before the deadline, and counts connections per client address.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { createTcpListener } from '../net/tcp-listener.ts';
import { realTimer, type SetTimer } from '../net/timers.ts';
import { commandTable } from './commands/index.ts';
import type { Command, Pop3Deps } from './commands/types.ts';
import { Pop3Connection } from './connection.ts';

export interface Pop3ServerOptions {
  /** Implicit TLS (port 995) with these options; plain TCP otherwise. */
  readonly tls?: tls.TlsOptions;
  /** RFC 1939 3: at least 10 minutes. */
  readonly idleTimeoutMs?: number;
  readonly setTimer?: SetTimer;
  /** Connections at once from one client address; more get -ERR at once. */
  readonly maxConnectionsPerIp?: number;
  /** Connections at once on this listener; more get -ERR at once. */
  readonly maxConnections?: number;
  /** Prefix of connection ids, which are also the maildrop lock holders; unique per listener. */
  readonly idPrefix?: string;
  /** The command table (tests may register extra commands). */
  readonly commands?: ReadonlyMap<string, Command>;
}

export interface Pop3Server {
  /** Bind; resolves the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /** Stop accepting, close every session (nothing deleted), resolve by `deadline` (ms since epoch) at the latest. */
  close(deadline: number): Promise<void>;
  readonly connections: ReadonlySet<Pop3Connection>;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export function createPop3Server(deps: Pop3Deps, options: Pop3ServerOptions = {}): Pop3Server {
  const commands = options.commands ?? commandTable();
  const setTimer = options.setTimer ?? realTimer;
  // Ids unique across listeners and restarts: they name maildrop lock holders in the shared store.
  const prefix = options.idPrefix ?? randomBytes(4).toString('hex');
  let counter = 0;
  // Sockets, limits and shutdown live in the shared listener; this file adds the protocol's parts.
  const listener = createTcpListener({
    protocol: 'pop3',
    log: deps.log,
    now: deps.now,
    setTimer,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp: options.maxConnectionsPerIp }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    refuse: {
      perIp: '-ERR [SYS/TEMP] Too many connections from your address\r\n',
      total: '-ERR [SYS/TEMP] Too many connections, try again later\r\n',
    },
    open: (socket, secure) =>
      new Pop3Connection(socket, deps, commands, {
        id: `${prefix}-${++counter}`,
        secure,
        idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        setTimer,
      }),
  });

  return listener;
}
