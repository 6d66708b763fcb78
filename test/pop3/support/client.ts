// A small POP3 test client over a real socket: send raw bytes, read a status
// line or a whole multi-line response (dot-unstuffed, byte-exact), so
// transcript tests read like RFC 1939.

import net from 'node:net';
import tls from 'node:tls';

export class Pop3TestClient {
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;

  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.wake();
  };
  private readonly onClose = () => {
    this.ended = true;
    this.wake();
  };

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Pop3TestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new Pop3TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Implicit TLS (port 995); the test certificate is self-signed. */
  static connectTls(port: number, host = '127.0.0.1'): Promise<Pop3TestClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, rejectUnauthorized: false }, () => resolve(new Pop3TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** After `+OK Begin TLS`: hand the socket to TLS. */
  startTls(): Promise<Pop3TestClient> {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    return new Promise((resolve, reject) => {
      const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false }, () => resolve(new Pop3TestClient(secure)));
      secure.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes received and not read yet. */
  get unread(): number {
    return this.buffer.length;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** One line without its CRLF, as latin1. */
  async line(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end !== -1) {
        const text = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        return text;
      }
      await this.more();
    }
  }

  /** The raw body of a multi-line response up to the terminating ".\r\n", dot-unstuffing off (bytes as sent). */
  async rawBody(): Promise<Buffer> {
    let from = 0;
    for (;;) {
      // The terminator is ".\r\n" at the start of the data or after a CRLF.
      if (this.buffer.subarray(0, 3).toString('latin1') === '.\r\n') {
        this.buffer = this.buffer.subarray(3);
        return Buffer.alloc(0);
      }
      const at = this.buffer.indexOf('\r\n.\r\n', Math.max(0, from - 4));
      if (at !== -1) {
        const body = Buffer.from(this.buffer.subarray(0, at + 2));
        this.buffer = this.buffer.subarray(at + 5);
        return body;
      }
      from = this.buffer.length;
      await this.more();
    }
  }

  /**
   * Consume a multi-line body as it arrives without keeping it: `onChunk` gets
   * the raw (still dot-stuffed) bytes up to the terminator, CRLF before it included.
   */
  async streamBody(onChunk: (raw: Buffer) => void): Promise<void> {
    for (;;) {
      const at = this.buffer.indexOf('\r\n.\r\n');
      if (at !== -1) {
        onChunk(this.buffer.subarray(0, at + 2));
        this.buffer = this.buffer.subarray(at + 5);
        return;
      }
      // Keep the last 4 bytes: the terminator may straddle two chunks.
      if (this.buffer.length > 4) {
        onChunk(this.buffer.subarray(0, this.buffer.length - 4));
        this.buffer = Buffer.from(this.buffer.subarray(this.buffer.length - 4));
      }
      await this.more();
    }
  }

  /** The body of a multi-line response, dot-unstuffed, as the message bytes. */
  async body(): Promise<Buffer> {
    return unstuff(await this.rawBody());
  }

  /** The lines of a multi-line response, dot-unstuffed. */
  async lines(): Promise<string[]> {
    const body = (await this.body()).toString('utf8');
    return body === '' ? [] : body.slice(0, -2).split('\r\n');
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Send one command, read its status line. */
  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.line();
  }

  /** Send one command; for +OK read the multi-line rest too. */
  async multi(line: string): Promise<{ status: string; lines: string[] }> {
    const status = await this.command(line);
    return { status, lines: status.startsWith('+OK') ? await this.lines() : [] };
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  /** Send what is written so far, then close our side without waiting for answers (a client hanging up). */
  hangUp(): void {
    this.socket.end();
  }
}

/** Undo dot-stuffing of a raw multi-line body. */
export function unstuff(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) from = 1;
  for (;;) {
    const at = raw.indexOf('\r\n.', from);
    if (at === -1) break;
    parts.push(raw.subarray(from, at + 2));
    from = at + 3;
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}
