// The socket side of a line-protocol listener (IMAP, POP3): accept plain or
// implicit-TLS sockets, refuse past the per-address and total limits with a
// protocol-specific line, keep the set of live connections, and on close give
// each a chance to say goodbye before the deadline cuts the rest.

import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../supervisor/service.ts';

import type { SetTimer } from './timers.ts';

export type { SetTimer };

/** What the listener needs of one connection. */
export interface ListenerConnection {
  /** Resolves once the connection is fully closed (socket gone, session cleaned up). */
  readonly done: Promise<void>;
  /** Begin the session (greeting, reading). Called once, right after creation. */
  start(): void;
  /** End the session politely (goodbye line); resolves when it is over. */
  close(): Promise<void>;
  /** Cut the socket at once, without a goodbye. */
  destroy(): void;
}

export interface TcpListenerOptions<C extends ListenerConnection> {
  /** Implicit TLS with these options; plain TCP otherwise. */
  readonly tls?: tls.TlsOptions;
  /** Protocol name for log lines ('imap', 'pop3'). */
  readonly protocol: string;
  readonly log: Logger;
  readonly now: () => number;
  readonly setTimer: SetTimer;
  /** Connections at once from one client address; more get `refuse.perIp` and are closed. */
  readonly maxConnectionsPerIp?: number;
  /** Connections at once on this listener; more get `refuse.total` and are closed. */
  readonly maxConnections?: number;
  /** The full lines (CRLF included) written to a refused client. */
  readonly refuse: { readonly perIp: string; readonly total: string };
  /** Build the connection for an accepted socket; `secure` is true for implicit TLS. */
  readonly open: (socket: net.Socket, secure: boolean) => C;
}

export interface TcpListener<C extends ListenerConnection> {
  /** Bind; resolves the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /**
   * Stop accepting, ask every connection to close, destroy those still open at
   * `deadline` (ms since epoch), and resolve once all are gone and the server is closed.
   */
  close(deadline: number): Promise<void>;
  /** The live connections; a connection leaves the set when its `done` resolves. */
  readonly connections: ReadonlySet<C>;
}

export function createTcpListener<C extends ListenerConnection>(options: TcpListenerOptions<C>): TcpListener<C> {
  const connections = new Set<C>();
  const perIp = new Map<string, number>();

  const accept = (socket: net.Socket, secure: boolean) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const ip = socket.remoteAddress ?? '';
    const open = perIp.get(ip) ?? 0;
    if (options.maxConnectionsPerIp !== undefined && open >= options.maxConnectionsPerIp) {
      // One client must not use up the box's sockets and memory.
      socket.end(options.refuse.perIp);
      return;
    }
    if (options.maxConnections !== undefined && connections.size >= options.maxConnections) {
      socket.end(options.refuse.total);
      return;
    }
    perIp.set(ip, open + 1);
    const connection = options.open(socket, secure);
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
  server.on('tlsClientError', (error: Error) => options.log.debug({ err: error.message }, `${options.protocol} tls handshake failed`));

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
      const left = Math.max(0, deadline - options.now());
      let cancel: (() => void) | undefined;
      const timeout = new Promise<void>((resolve) => {
        cancel = options.setTimer(left, resolve);
      });
      await Promise.race([Promise.all([...connections].map((c) => c.close())), timeout]);
      cancel?.();
      for (const c of connections) c.destroy();
      await Promise.all([...connections].map((c) => c.done));
      await closed;
    },
  };
}
