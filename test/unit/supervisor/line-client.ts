// A line client for the test listeners: connect, read lines in order, send a
// command and wait for its reply. Every wait is bounded.

import { connect, type Socket } from 'node:net';
import type { ListenAddress } from '../../../firmware/supervisor/service.ts';

export interface LineClient {
  /** Next line from the server (without CRLF); rejects after `timeoutMs` or when the connection closes. */
  readLine(timeoutMs?: number): Promise<string>;
  /** Send one line and return the next line received. */
  command(line: string, timeoutMs?: number): Promise<string>;
  readonly closed: boolean;
  close(): void;
}

export async function connectLines(address: ListenAddress, timeoutMs = 2000): Promise<LineClient> {
  const socket: Socket = connect({ host: address.host, port: address.port });
  socket.setEncoding('utf8');
  const lines: string[] = [];
  const waiters: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  let buffered = '';
  let closed = false;
  let closeError: Error | undefined;

  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end).replace(/\r$/, '');
      buffered = buffered.slice(end + 1);
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  const onClose = (err?: Error): void => {
    closed = true;
    closeError = err ?? new Error('connection closed');
    for (const waiter of waiters.splice(0)) waiter.reject(closeError);
  };
  socket.on('error', onClose);
  socket.on('close', () => onClose());

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  const readLine = (wait = 2000): Promise<string> => {
    const ready = lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (closed) return Promise.reject(closeError);
    return new Promise<string>((resolve, reject) => {
      const waiter = {
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no line within ${wait} ms`));
      }, wait);
      waiters.push(waiter);
    });
  };

  return {
    readLine,
    command(line, wait) {
      socket.write(`${line}\r\n`);
      return readLine(wait);
    },
    get closed() {
      return closed;
    },
    close() {
      socket.destroy();
    },
  };
}
