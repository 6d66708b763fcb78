// The CLI's end of the admin socket: one connection, one or more calls.

import { connect, type Socket } from 'node:net';
import { PochtaError } from '../errors.ts';
import { type AdminResponse, responseError } from './protocol.ts';

export interface AdminClient {
  /** Run an action in the daemon; rejects with the PochtaError the daemon answered. */
  call(action: string, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** End the connection; calls still pending are rejected. */
  close(): void;
}

/** Connect to a daemon's admin socket. DAEMON_NOT_RUNNING when nobody listens there. */
export function connectAdmin(path: string, options: { timeoutMs?: number } = {}): Promise<AdminClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const onError = (err: NodeJS.ErrnoException) => {
      socket.destroy();
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') {
        reject(new PochtaError('DAEMON_NOT_RUNNING', `the daemon is not running (no one listens on ${path})`));
      } else if (err.code === 'EACCES' || err.code === 'EPERM') {
        reject(new PochtaError('FORBIDDEN', `cannot open ${path}: run as root or as a member of the pochta group`));
      } else {
        reject(err);
      }
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(clientOn(socket, options.timeoutMs ?? 120_000));
    });
  });
}

function clientOn(socket: Socket, timeoutMs: number): AdminClient {
  let nextId = 1;
  let buffer = '';
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  const failAll = (err: Error) => {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      call.reject(err);
      pending.delete(id);
    }
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      let response: AdminResponse;
      try {
        response = JSON.parse(line) as AdminResponse;
      } catch {
        continue;
      }
      const call = pending.get(response.id);
      if (!call) continue;
      pending.delete(response.id);
      clearTimeout(call.timer);
      if (response.ok) call.resolve(response.result);
      else call.reject(responseError(response));
    }
  });
  socket.on('error', (err) => failAll(err));
  socket.on('close', () => failAll(new PochtaError('DAEMON_NOT_RUNNING', 'the daemon closed the admin connection')));
  return {
    call: (action, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new PochtaError('INTERNAL', `the daemon did not answer ${action} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        socket.write(`${JSON.stringify({ id, action, params: params ?? {} })}\n`);
      }),
    close: () => socket.end(),
  };
}
