// RETR and TOP bodies from the immutable body file. Large ones stream through
// WireBody, so they never sit in memory; small ones (the common case) are read
// and encoded whole, far fewer steps per RETR. A small body delivered a moment
// ago may have no file yet (the store keeps it in its database until its mover
// writes it): that one comes whole from the store. TOP reads the first 16 KB and
// reads on only if the header and lines asked for are not all in it. Files are
// opened before +OK is sent, so a missing one is an -ERR, not a broken reply.

import fs from 'node:fs';
import { open } from 'node:fs/promises';
import { isInlineBody } from '../store/helpers.ts';
import type { MailStore } from '../store/types.ts';
import type { MaildropMessage } from './maildrop.ts';
import type { StreamedBody } from './replies.ts';
import { encodeWireBody, WireBody, WireEncoder } from './wire-body.ts';

/** Read size per chunk: large for RETR throughput, small for TOP so little past the header is read. */
const RETR_CHUNK = 64 * 1024;
const TOP_CHUNK = 8 * 1024;
/** TOP's first read: the header and a few lines usually fit. */
const TOP_FIRST_READ = 16 * 1024;
/** Bodies up to this size are read and encoded in one go: one read, one socket write. */
const WHOLE_LIMIT = 256 * 1024;

/** Small enough to be read and encoded whole. */
export function isSmallBody(message: Pick<MaildropMessage, 'size'>): boolean {
  return message.size <= WHOLE_LIMIT;
}

/** RETR (bodyLines undefined) or TOP: the encoded body, read as little as needed. */
export async function openMessageBody(
  store: Pick<MailStore, 'blobPath' | 'readBody'>,
  message: MaildropMessage,
  bodyLines?: number,
): Promise<StreamedBody> {
  const file = store.blobPath(message.blobId);
  try {
    return await openFromFile(file, message, bodyLines);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== 'ENOENT' && code !== SHORT_FILE) || !isInlineBody(message.size)) throw err;
  }
  const bytes = await store.readBody(message.blobId);
  if (bytes === undefined) throw Object.assign(new Error(`body ${message.blobId} is gone`), { code: 'ENOENT' });
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return wholeBody(encodeWireBody(raw, bodyLines === undefined ? {} : { bodyLines }));
}

const SHORT_FILE = 'POCHTA_SHORT_FILE';

function shortFile(file: string): Error {
  return Object.assign(new Error(`${file} is shorter than its message`), { code: SHORT_FILE });
}

async function openFromFile(file: string, message: MaildropMessage, bodyLines: number | undefined): Promise<StreamedBody> {
  if (bodyLines === undefined) {
    if (isSmallBody(message)) {
      const raw = await readPrefix(file, message.size);
      // a file shorter than its message is never sent as the body: the store may still hold it whole
      if (raw.length < message.size && isInlineBody(message.size)) throw shortFile(file);
      return wholeBody(encodeWireBody(raw));
    }
    return streamedBody(file, 0, new WireEncoder(), [], RETR_CHUNK);
  }
  // TOP reads the start of the file and reads on only while the lines asked for are not all there.
  const encoder = new WireEncoder({ bodyLines });
  const wanted = Math.min(message.size, TOP_FIRST_READ);
  const head = await readPrefix(file, wanted);
  if (head.length < wanted && isInlineBody(message.size)) throw shortFile(file);
  const parts = encoder.push(head);
  if (encoder.complete || head.length < wanted || head.length >= message.size) {
    return wholeBody(Buffer.concat([...parts, ...encoder.end()]));
  }
  return streamedBody(file, head.length, encoder, parts, TOP_CHUNK);
}

function wholeBody(whole: Buffer): StreamedBody {
  return {
    whole,
    async *open() {
      yield whole;
    },
    discard: () => undefined,
  };
}

/** The rest of a body from `start`, through `encoder`, after the already encoded `first` parts. */
async function streamedBody(file: string, start: number, encoder: WireEncoder, first: Buffer[], chunk: number): Promise<StreamedBody> {
  // Opened now, before +OK: a vanished file is an -ERR, not a broken multi-line reply.
  const handle = await open(file, 'r');
  let used = false;
  return {
    open() {
      used = true;
      const stream = handle.createReadStream({ start, highWaterMark: chunk, autoClose: true });
      const wire = new WireBody(encoder);
      stream.on('error', (error) => wire.destroy(error));
      stream.pipe(wire);
      return withFirst(
        first,
        stopWhenComplete(wire, () => stream.destroy()),
      );
    },
    discard() {
      if (!used) void handle.close().catch(() => undefined);
    },
  };
}

async function* withFirst(first: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield Buffer.concat(first);
  yield* rest;
}

/**
 * Read the first `size` bytes of an immutable file: open and one read are the
 * only thread-pool trips a RETR waits for; the close is not waited for.
 */
function readPrefix(file: string, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'r', (openError, fd) => {
      if (openError !== null) {
        reject(openError);
        return;
      }
      const buffer = Buffer.allocUnsafe(size);
      fs.read(fd, buffer, 0, size, 0, (readError, bytesRead) => {
        fs.close(fd, () => undefined);
        if (readError !== null) reject(readError);
        // Shorter than asked: the end of the file (a blob shorter than its record is damage; send what is there).
        else resolve(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
      });
    });
  });
}

/** Iterate the wire body, and stop reading the file as soon as TOP has its lines. */
async function* stopWhenComplete(wire: WireBody, stopFile: () => void): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of wire) {
      yield chunk as Buffer;
      if (wire.complete) break;
    }
  } finally {
    stopFile();
    wire.destroy();
  }
}
