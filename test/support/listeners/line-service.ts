// A tiny line-based TCP Service for supervisor tests: greets like SMTP
// ("220 <name> ready"), answers PING, reads and writes settings through the
// store proxy, streams change-feed events on WATCH, and lets each test module
// add its own misbehaviour commands.

import { createServer, type Socket } from 'node:net';
import type { ListenAddress, ListenerContext, Service } from '../../../firmware/supervisor/service.ts';

/** A command handler; returns the reply line (without CRLF), or undefined for none. */
export type Command = (arg: string, socket: Socket) => string | undefined | Promise<string | undefined>;

export interface LineServiceOptions {
  readonly commands?: Readonly<Record<string, Command>>;
  /** When it returns false, new connections are accepted but never greeted. */
  readonly greets?: () => boolean;
}

export function createLineService(ctx: ListenerContext, options: LineServiceOptions = {}): Service {
  const sockets = new Set<Socket>();
  const base: Record<string, Command> = {
    PING: () => 'PONG',
    ECHO: (arg) => arg,
    SET: async (arg) => {
      const [key = '', ...rest] = arg.split(' ');
      await ctx.store.setSettings({ [key]: rest.join(' ') });
      return 'OK';
    },
    GET: async (arg) => `VALUE ${JSON.stringify((await ctx.store.getSetting(arg)) ?? null)}`,
    WATCH: (_arg, socket) => {
      const off = ctx.store.subscribe((event) => socket.write(`EVENT ${JSON.stringify(event)}\r\n`));
      socket.once('close', off);
      return 'WATCHING';
    },
  };
  const commands = { ...base, ...options.commands };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.greets?.() ?? true) socket.write(`220 ${ctx.name} ready\r\n`);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end).replace(/\r$/, '');
        buffered = buffered.slice(end + 1);
        const space = line.indexOf(' ');
        const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
        const arg = space < 0 ? '' : line.slice(space + 1);
        const command = commands[verb];
        if (!command) {
          socket.write(`500 unknown command\r\n`);
          continue;
        }
        Promise.resolve(command(arg, socket)).then(
          (reply) => reply !== undefined && socket.write(`${reply}\r\n`),
          (err: unknown) => socket.write(`451 ${err instanceof Error ? err.message : String(err)}\r\n`),
        );
      }
    });
  });

  return {
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(ctx.address?.port ?? 0, ctx.address?.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.end('421 shutting down\r\n');
        server.close(() => resolve());
      }),
    address(): ListenAddress | undefined {
      const bound = server.address();
      return bound && typeof bound === 'object' ? { host: bound.address, port: bound.port } : undefined;
    },
  };
}
