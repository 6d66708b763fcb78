// A small IMAP test client over a real socket: send raw bytes, read whole
// responses (literals included), run a command and collect everything up to
// its tagged reply. Transcript tests read like the RFC with it.

import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';

export class TestClient {
  private readonly socket: Duplex;
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;
  private tagCounter = 0;

  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.wake();
  };
  private readonly onClose = () => {
    this.ended = true;
    this.wake();
  };

  private constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', () => undefined);
  }

  /** Implicit TLS (port 993); the test certificate is self-signed. */
  static connectTls(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, rejectUnauthorized: false }, () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** After `OK Begin TLS`: hand the socket to TLS; anything unread is dropped. */
  startTls(): Promise<TestClient> {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    return new Promise((resolve, reject) => {
      const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false }, () => resolve(new TestClient(secure)));
      secure.once('error', reject);
    });
  }

  /**
   * After `OK DEFLATE active` (RFC 4978): both directions through raw DEFLATE,
   * each write flushed so the server sees whole commands.
   */
  compress(): TestClient {
    const raw = this.socket;
    raw.off('data', this.onData);
    raw.off('close', this.onClose);
    const deflate = zlib.createDeflateRaw();
    const inflate = zlib.createInflateRaw();
    deflate.pipe(raw);
    raw.on('data', (chunk: Buffer) => inflate.write(chunk));
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        deflate.write(chunk);
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => callback());
      },
      destroy(err, callback) {
        raw.destroy();
        callback(err);
      },
    });
    inflate.on('data', (chunk: Buffer) => duplex.push(chunk));
    // The close comes when the server's last bytes are in, but inflating them
    // runs on the thread pool and may finish later (seen under load: the BYE
    // of LOGOUT lost): the connection counts as closed once inflate has
    // handed over everything, not at the socket's close.
    raw.on('end', () => inflate.end());
    inflate.on('end', () => duplex.destroy());
    inflate.on('error', () => duplex.destroy());
    raw.on('close', () => {
      if (!raw.readableEnded) duplex.destroy();
    });
    return new TestClient(duplex);
  }

  /** Bytes received and not read yet. */
  get unread(): number {
    return this.buffer.length;
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`);
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** One response: a line plus any literals it announces, as latin1 text (CRLF stripped at the end). */
  async response(): Promise<string> {
    let text = '';
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf(0x0a, start);
      if (lf === -1) {
        await this.more();
        continue;
      }
      const line = this.buffer.subarray(start, lf + 1).toString('latin1');
      const m = /\{(\d+)\}\r\n$/.exec(line);
      if (m === null) {
        text += line.slice(0, -2);
        this.buffer = this.buffer.subarray(lf + 1);
        return text;
      }
      const size = Number(m[1]);
      if (this.buffer.length < lf + 1 + size) {
        await this.more();
        continue;
      }
      text += line + this.buffer.subarray(lf + 1, lf + 1 + size).toString('latin1');
      this.buffer = this.buffer.subarray(lf + 1 + size);
      start = 0;
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Send `tag text` and collect responses through the tagged one (last). */
  async command(text: string, tag = `t${++this.tagCounter}`): Promise<string[]> {
    this.write(`${tag} ${text}\r\n`);
    return this.until(tag);
  }

  /** Read responses until one starts with `tag `. */
  async until(tag: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const r = await this.response();
      out.push(r);
      if (r.startsWith(`${tag} `)) return out;
    }
  }

  /** Wait until the server closes the connection. */
  async waitClosed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}
