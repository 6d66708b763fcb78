// A raw SMTP client for transcript tests: send a line, read the whole reply
// (multi-line replies joined with \n), assert on it. Reads like the RFC.

import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface TranscriptOptions {
  readonly port: number;
  readonly host?: string;
  /** Bind the client to this local address (e.g. 127.0.0.9 to act as a stranger). */
  readonly localAddress?: string;
  /** Connect with implicit TLS (port 465 style). */
  readonly tls?: boolean;
}

export class Transcript {
  #socket: Socket | TLSSocket;
  #buffer = '';
  #replies: string[] = [];
  #waiters: Array<(reply: string | undefined) => void> = [];
  #closed = false;

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  static async open(options: TranscriptOptions): Promise<Transcript> {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? tlsConnect({
          host,
          port: options.port,
          rejectUnauthorized: false,
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        })
      : netConnect({ host, port: options.port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new Transcript(socket);
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#parse();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
  }

  #parse(): void {
    for (;;) {
      // A reply ends with a line "ddd text" (space, not dash, after the code).
      const lines = this.#buffer.split('\r\n');
      let end = -1;
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3}( |$)/.test(lines[i] ?? '')) {
          end = i;
          break;
        }
      }
      if (end < 0) return;
      const reply = lines.slice(0, end + 1).join('\n');
      this.#buffer = lines.slice(end + 1).join('\r\n');
      const waiter = this.#waiters.shift();
      if (waiter) waiter(reply);
      else this.#replies.push(reply);
    }
  }

  /** The next complete reply; undefined when the server closed the connection. */
  reply(timeoutMs = 10_000): Promise<string | undefined> {
    const queued = this.#replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply in time')), timeoutMs);
      this.#waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Expect the next reply to match. Returns it. */
  async expect(pattern: RegExp): Promise<string> {
    const reply = await this.reply();
    assert.ok(reply !== undefined, `expected ${pattern} but the connection closed`);
    assert.match(reply, pattern);
    return reply;
  }

  send(line: string): void {
    this.#socket.write(line + '\r\n');
  }

  /** Send raw bytes (a message body with its terminating dot). */
  write(data: string | Uint8Array): void {
    this.#socket.write(data);
  }

  /** Send a command and expect its reply to match. */
  async cmd(line: string, pattern: RegExp): Promise<string> {
    this.send(line);
    return this.expect(pattern);
  }

  /** STARTTLS: send it, expect 220, then upgrade the socket. */
  async startTls(): Promise<void> {
    await this.cmd('STARTTLS', /^220 /);
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#attach(secure);
  }

  /** SHA-256 fingerprint of the server certificate, once TLS is up. */
  get peerFingerprint(): string | undefined {
    const socket = this.#socket as Partial<TLSSocket>;
    return socket.getPeerCertificate?.()?.fingerprint256;
  }

  /** Wait until the server closes the connection. */
  async closed(timeoutMs = 10_000): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.#socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A message as DATA sends it: CRLF lines, dot-stuffed, ending with CRLF.CRLF. */
export function dataBlock(message: string): string {
  const lines = message.replace(/\r?\n/g, '\r\n').split('\r\n');
  return lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n') + '\r\n.\r\n';
}
