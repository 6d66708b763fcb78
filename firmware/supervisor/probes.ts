// Probes check a listener as a client sees it: connect, read the greeting (or
// GET a health path) within a timeout. A listener that accepts connections but
// no longer answers fails its probe and is restarted like a crashed one.

import { request } from 'node:http';
import { connect } from 'node:net';
import type { ListenAddress } from './service.ts';

/** Resolves when the listener at `address` answers as expected within `timeoutMs`; rejects with the reason otherwise. */
export type Probe = (address: ListenAddress, timeoutMs: number) => Promise<void>;

// Probing a wildcard bind goes to loopback, where the box itself can always reach it.
function dialHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const MAX_GREETING = 4096;

/** Connect and match the first line the server sends: SMTP /^220 /, IMAP /^\* OK/, POP3 /^\+OK/. */
export function greetingProbe(pattern: RegExp): Probe {
  return (address, timeoutMs) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host: dialHost(address.host), port: address.port });
      let buffered = '';
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`no greeting within ${timeoutMs} ms`)), timeoutMs);
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        const end = buffered.indexOf('\n');
        if (end < 0) {
          if (buffered.length > MAX_GREETING) finish(new Error('greeting line too long'));
          return;
        }
        const line = buffered.slice(0, end).replace(/\r$/, '');
        finish(pattern.test(line) ? undefined : new Error(`unexpected greeting: ${line.slice(0, 80)}`));
      });
      socket.on('error', (err) => finish(err));
      socket.on('end', () => finish(new Error('closed before greeting')));
    });
}

/** GET `path` over plain HTTP and expect status 200, all within `timeoutMs`. */
export function httpProbe(path: string): Probe {
  return (address, timeoutMs) =>
    new Promise<void>((resolve, reject) => {
      // agent: false: a fresh connection each time (a kept-alive one would not show that accepting still works).
      const req = request({ host: dialHost(address.host), port: address.port, path, method: 'GET', agent: false }, (res) => {
        res.resume();
        clearTimeout(timer);
        if (res.statusCode === 200) resolve();
        else reject(new Error(`GET ${path} answered ${res.statusCode}`));
      });
      // One deadline for connect and headers: an idle-socket timeout would let a trickling server live forever.
      const timer = setTimeout(() => req.destroy(new Error(`no answer to GET ${path} within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
}
