// Probes check a listener as a client sees it: connect (with TLS on the
// implicit-TLS ports), read the greeting (or GET a health path) within a
// timeout. A listener that accepts connections but no longer answers fails
// its probe and is restarted like a crashed one.

import { request } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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
  return (address, timeoutMs) => readGreeting(connect({ host: dialHost(address.host), port: address.port }), pattern, timeoutMs);
}

/**
 * The same over implicit TLS (smtps, imaps, pop3s): handshake, then the
 * greeting. The certificate is not verified: the box's own is self-signed
 * until the admin installs one, and the probe asks "does it answer", not "is
 * it trusted".
 */
export function tlsGreetingProbe(pattern: RegExp): Probe {
  return (address, timeoutMs) => {
    const host = dialHost(address.host);
    // SNI only takes a name; an IP literal there is refused by some stacks.
    const socket = tlsConnect({ host, port: address.port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    return readGreeting(socket, pattern, timeoutMs);
  };
}

/** One deadline for connect (and handshake) and the first line; the socket is always destroyed. */
function readGreeting(socket: Socket, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
