// The daemon's end of the admin socket: a unix socket in the data dir that only
// root and the pochta group can open (mode 0660), JSON lines in and out.

import { readFileSync } from 'node:fs';
import { chmod, chown, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../supervisor/service.ts';
import { type AdminRequest, type AdminResponse, errorResponse, MAX_LINE_BYTES, parseRequest } from './protocol.ts';

/** Read-only actions the web UI polls (status, panel, log tail, ...). */
export const QUIET_ACTIONS: ReadonlySet<string> = new Set([
  'ping',
  'status',
  'gpio.state',
  'stats.mail',
  'log.tail',
  'web.state',
  'queue.list',
  'settings.get',
  'settings.list',
  'domain.list',
  'user.list',
  'user.show',
  'alias.list',
]);

export interface AdminServerOptions {
  readonly path: string;
  /** Runs one action; a thrown PochtaError becomes an error response with its code. */
  readonly handle: (action: string, params: Readonly<Record<string, unknown>>) => Promise<unknown>;
  readonly log: Logger;
  /** Group allowed to use the socket, when it exists on this system. */
  readonly group?: string;
  /** /etc/group, overridable for tests. */
  readonly groupFile?: string;
}

export interface AdminServer {
  /** Stop accepting and close open connections. */
  close(): Promise<void>;
}

/** Listen on the admin socket; a stale socket file from a crashed daemon is replaced. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, options);
  });
  // The store's lock already guarantees one daemon per data dir, so a socket file left here is stale.
  await unlink(options.path).catch(() => {});
  await listen(server, options.path);
  await chmod(options.path, 0o660);
  const gid = groupId(options.group ?? 'pochta', options.groupFile ?? '/etc/group');
  if (gid !== undefined) {
    await chown(options.path, -1, gid).catch((err: unknown) => {
      options.log.warn({ err: String(err) }, 'cannot give the admin socket to the pochta group');
    });
  }
  options.log.info({ path: options.path }, 'admin socket listening');
  return {
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await unlink(options.path).catch(() => {});
    },
  };
}

function serveConnection(socket: Socket, options: AdminServerOptions): void {
  let buffer = '';
  let chain = Promise.resolve();
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_LINE_BYTES && !buffer.includes('\n')) {
      socket.end(`${JSON.stringify(errorResponse(0, new Error('request too long')))}\n`);
      return;
    }
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (line.trim() === '') continue;
      // One request at a time per connection keeps replies in order.
      chain = chain.then(() => answer(line, socket, options));
    }
  });
}

async function answer(line: string, socket: Socket, options: AdminServerOptions): Promise<void> {
  const request = parseRequest(line);
  let response: AdminResponse;
  if (!request) {
    response = { id: 0, ok: false, error: { code: 'INVALID_ARGUMENT', message: 'expected a JSON line {id, action, params}' } };
  } else {
    response = await run(request, options);
  }
  if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
}

async function run(request: AdminRequest, options: AdminServerOptions): Promise<AdminResponse> {
  const started = Date.now();
  try {
    const result = await options.handle(request.action, request.params ?? {});
    // Parameters are never logged: they carry passwords. Reads that an open
    // dashboard repeats every second or two go to debug, not to the SD card.
    options.log[QUIET_ACTIONS.has(request.action) ? 'debug' : 'info']({ action: request.action, ms: Date.now() - started }, 'admin action');
    return { id: request.id, ok: true, result: result ?? null };
  } catch (err) {
    const response = errorResponse(request.id, err);
    if (!response.ok) {
      const level = response.error.code === 'INTERNAL' ? 'error' : 'info';
      options.log[level](
        { action: request.action, code: response.error.code, err: level === 'error' ? String(err) : undefined },
        'admin action failed',
      );
    }
    return response;
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The numeric id of a group from /etc/group, or undefined when it does not exist here. */
export function groupId(name: string, groupFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
