// RETR and TOP bodies: streamed from the immutable blob file through WireBody,
// so a large message never sits in memory. The file is opened before +OK is
// sent, so a missing file is an -ERR and not a broken multi-line response.
// Small bodies, the common case, are read and encoded whole: far fewer steps per RETR.

import fs from 'node:fs';
import { open } from 'node:fs/promises';
import type { MailStore } from '../store/types.ts';
import type { MaildropMessage } from './maildrop.ts';
import type { StreamedBody } from './replies.ts';
import { encodeWireBody, WireBody } from './wire-body.ts';

/** Read size per chunk: large for RETR throughput, small for TOP so little past the header is read. */
const RETR_CHUNK = 64 * 1024;
const TOP_CHUNK = 8 * 1024;
/** Bodies up to this size are read and encoded in one go: one read, one socket write. */
const WHOLE_LIMIT = 256 * 1024;

/** Small enough to be read and encoded whole. */
export function isSmallBody(message: Pick<MaildropMessage, 'size'>): boolean {
  return message.size <= WHOLE_LIMIT;
}

export async function openMessageBody(
  store: Pick<MailStore, 'blobPath'>,
  message: MaildropMessage,
  bodyLines?: number,
): Promise<StreamedBody> {
  if (isSmallBody(message)) {
    const raw = await readSmall(store.blobPath(message.blobId), message.size);
    const whole = encodeWireBody(raw, bodyLines === undefined ? {} : { bodyLines });
    return {
      whole,
      async *open() {
        yield whole;
      },
      discard: () => undefined,
    };
  }
  const handle = await open(store.blobPath(message.blobId), 'r');
  let used = false;
  return {
    open() {
      used = true;
      const file = handle.createReadStream({ highWaterMark: bodyLines === undefined ? RETR_CHUNK : TOP_CHUNK, autoClose: true });
      const wire = new WireBody(bodyLines === undefined ? {} : { bodyLines });
      file.on('error', (error) => wire.destroy(error));
      file.pipe(wire);
      return stopWhenComplete(wire, () => file.destroy());
    },
    discard() {
      if (!used) void handle.close().catch(() => undefined);
    },
  };
}

/**
 * Read a small immutable file whose size is known: open and one read are the
 * only thread-pool trips a RETR waits for; the close is not waited for.
 */
function readSmall(file: string, size: number): Promise<Buffer> {
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
        // A blob shorter than its record says is damage, not a message: send what is there.
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
