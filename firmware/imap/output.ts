// The write side of one IMAP connection: responses compiled to chunks go out
// in order, never interleaved; a running command's output is corked into large
// writes; body streams are copied with backpressure; and after COMPRESS the
// bytes pass through DEFLATE, flushed whenever the client is owed a reply.

import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import type { Logger } from '../supervisor/service.ts';
import type { OutputChunk, StreamValue } from './compiler.ts';

/**
 * Bytes a connection may hold unsent before a writer waits for the socket to
 * drain. Above the socket's own 16 KB mark: waiting at every 16 KB of a
 * 4 MB header FETCH costs a round trip to the client each time.
 */
const BUFFERED_LIMIT = 256 * 1024;

export class ConnectionOutput {
  private socket: Socket;
  private readonly log: Logger;
  private writing: Promise<void> = Promise.resolve();
  /** One level of corking, ours. */
  private corked = false;
  private deflate: zlib.DeflateRaw | undefined;

  constructor(socket: Socket, log: Logger) {
    this.socket = socket;
    this.log = log;
  }

  /** The socket changed under us (STARTTLS). */
  setSocket(socket: Socket): void {
    this.socket = socket;
  }

  /** Queue compiled chunks; resolves once they are handed to the socket (or it is gone). */
  write(chunks: OutputChunk[]): Promise<void> {
    const next = this.writing.then(() => this.writeChunks(chunks));
    this.writing = next.catch(() => undefined);
    return this.writing;
  }

  cork(): void {
    if (this.corked || this.socket.destroyed) return;
    this.corked = true;
    // The compressor batches by itself; only a plain socket is corked.
    if (this.deflate === undefined) this.socket.cork();
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.deflate === undefined) this.socket.uncork();
    else this.flushCompressed();
  }

  /** From now on output is raw DEFLATE (RFC 4978); call after the plain OK was written. */
  compress(onError: (err: Error) => void): void {
    const deflate = zlib.createDeflateRaw({ windowBits: 15, memLevel: 8 });
    deflate.on('error', onError);
    deflate.pipe(this.socket);
    this.deflate = deflate;
  }

  /** Finish the output (compressed data flushed first) and close our side. */
  end(): void {
    if (this.deflate !== undefined) this.deflate.end();
    else this.socket.end();
  }

  /** Drop the compressor (connection closed). */
  dispose(): void {
    this.deflate?.destroy();
  }

  /** Where response bytes go: the socket, or the compressor in front of it. */
  private get out(): Writable {
    return this.deflate ?? this.socket;
  }

  /** Compressed output waits in the compressor until flushed. */
  private flushCompressed(): void {
    if (this.deflate !== undefined && !this.corked && !this.deflate.destroyed) this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
  }

  private async writeChunks(chunks: OutputChunk[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.socket.destroyed) return;
      if (Buffer.isBuffer(chunk)) await this.writeBuffer(chunk);
      else await this.writeStream(chunk);
    }
    this.flushCompressed();
  }

  private async writeBuffer(buf: Buffer): Promise<void> {
    const out = this.out;
    if (out.write(buf) || out.writableLength < BUFFERED_LIMIT) return;
    // Corked output never drains: let it flow, and cork again after.
    const recork = this.corked;
    this.uncork();
    await new Promise<void>((resolve) => {
      const done = () => {
        out.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      out.on('drain', done);
      this.socket.on('close', done);
    });
    if (recork) this.cork();
  }

  private async writeStream(value: StreamValue): Promise<void> {
    let written = 0;
    try {
      for await (const part of value.open()) {
        if (this.socket.destroyed) return;
        const buf = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        written += buf.length;
        if (written > value.size) break;
        await this.writeBuffer(buf);
      }
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'body stream failed');
    }
    if (written !== value.size) {
      // The announced literal length cannot be honoured: the session is beyond repair.
      this.log.error({ expected: value.size, written }, 'body stream length mismatch');
      this.socket.destroy();
    }
  }
}
