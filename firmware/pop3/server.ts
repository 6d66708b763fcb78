// The POP3 listener: accepts sockets (plain with STLS, or implicit TLS) and
// gives each a Pop3Connection. It owns the set of live connections so a stop
// can close each before the deadline, and counts connections per client address.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { commandTable } from './commands/index.ts';
import type { Command, Pop3Deps } from './commands/types.ts';
import { Pop3Connection } from './connection.ts';
import { realTimer, type SetTimer } from './timers.ts';

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
  const connections = new Set<Pop3Connection>();
  const setTimer = options.setTimer ?? realTimer;
  // Ids unique across listeners and restarts: they name maildrop lock holders in the shared store.
  const prefix = options.idPrefix ?? randomBytes(4).toString('hex');
  let counter = 0;
  const perIp = new Map<string, number>();

  const accept = (socket: net.Socket, secure: boolean) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const ip = socket.remoteAddress ?? '';
    const open = perIp.get(ip) ?? 0;
    if (options.maxConnectionsPerIp !== undefined && open >= options.maxConnectionsPerIp) {
      // One client must not use up the box's sockets and memory.
      socket.end('-ERR [SYS/TEMP] Too many connections from your address\r\n');
      return;
    }
    if (options.maxConnections !== undefined && connections.size >= options.maxConnections) {
      socket.end('-ERR [SYS/TEMP] Too many connections, try again later\r\n');
      return;
    }
    perIp.set(ip, open + 1);
    const connection = new Pop3Connection(socket, deps, commands, {
      id: `${prefix}-${++counter}`,
      secure,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      setTimer,
    });
    connections.add(connection);
    void connection.done.then(() => {
      connections.delete(connection);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
    connection.start();
  };

  const server =
    options.tls === undefined
      ? net.createServer((socket) => accept(socket, false))
      : tls.createServer(options.tls, (socket) => accept(socket, true));
  // A failed TLS handshake is the client's problem, not the listener's.
  server.on('tlsClientError', (error: Error) => deps.log.debug({ err: error.message }, 'pop3 tls handshake failed'));

  return {
    connections,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as net.AddressInfo);
        });
      });
    },
    async close(deadline) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const left = Math.max(0, deadline - deps.now());
      let cancel: (() => void) | undefined;
      const timeout = new Promise<void>((resolve) => {
        cancel = setTimer(left, resolve);
      });
      await Promise.race([Promise.all([...connections].map((c) => c.close())), timeout]);
      cancel?.();
      for (const c of connections) c.destroy();
      await Promise.all([...connections].map((c) => c.done));
      await closed;
    },
  };
}
