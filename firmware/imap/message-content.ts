// What FETCH and SEARCH read of a message beyond its metadata: the structure
// the MIME room computed at delivery (kept beside the blob) and byte ranges of
// the blob. One instance per command: copies of a body share their blob, so
// the structure is read once per blob, and nothing outlives the command.

import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { analyzeMessage, asMessageStructure, type MessageStructure } from '../mime/index.ts';
import { isInlineBody } from '../store/helpers.ts';
import type { BodyInfo, MailStore, MessageMeta } from '../store/types.ts';
import { type LiteralValue, literal, type StreamValue } from './compiler.ts';

/** Ranges above this are streamed from the blob file instead of read into memory. */
export const STREAM_THRESHOLD = 256 * 1024;

/** Blobs whose structure is kept per command; the oldest goes first. */
const CACHE_SIZE = 64;

/** The start of a body read with the structure, in one go: most headers fit. */
export const HEAD_BYTES = 16 * 1024;

export class MessageContent {
  private readonly store: MailStore;
  private readonly structures = new Map<string, Promise<MessageStructure>>();
  private readonly heads = new Map<string, Promise<Buffer>>();
  /** What `load` read for the batch being answered. */
  private batch: LoadedBatch = { infos: new Map(), heads: new Map() };

  constructor(store: MailStore) {
    this.store = store;
  }

  /**
   * Read the structures and/or the kept top-level headers of many messages in
   * one store call each (one worker-bridge round trip for a whole FETCH batch
   * instead of one or two per message). `install` what this resolves when the
   * batch is answered, so the next batch can be read meanwhile.
   */
  async load(metas: readonly MessageMeta[], what: { readonly structures: boolean; readonly heads: boolean }): Promise<LoadedBatch> {
    const ids = [...new Set(metas.map((m) => m.blobId))];
    const [infos, heads] = await Promise.all([
      what.structures ? this.store.getBodyInfos(ids, { text: false }) : undefined,
      what.heads ? this.store.getBodyHeads(ids) : undefined,
    ]);
    const out: LoadedBatch = { infos: new Map(), heads: new Map() };
    ids.forEach((id, i) => {
      const info = infos?.[i];
      if (info !== undefined) out.infos.set(id, info);
      if (heads !== undefined) {
        const a = heads.offsets[i]!;
        const b = heads.offsets[i + 1]!;
        if (b > a) out.heads.set(id, Buffer.from(heads.bytes.buffer, heads.bytes.byteOffset + a, b - a));
      }
    });
    return out;
  }

  /** Use a batch read by `load` for the messages answered next. */
  install(batch: LoadedBatch): void {
    this.batch = batch;
  }

  /**
   * The message's top-level header (bytes [0, headerEnd) of the body, exactly
   * as its structure delimits it), when kept at delivery and loaded with the
   * batch; undefined otherwise (then use the structure and the blob).
   */
  keptHeader(meta: MessageMeta): Buffer | undefined {
    return this.batch.heads.get(meta.blobId);
  }

  /**
   * The BodyInfo stored at delivery, structure and search text. Not kept: the
   * text may be megabytes, and a command runs over thousands of messages.
   */
  info(meta: MessageMeta): Promise<BodyInfo | undefined> {
    return this.store.getBodyInfo(meta.blobId);
  }

  /**
   * The message's structure as stored at delivery (taken from `info` when the
   * caller has it already); a body stored without one (no analyzer, or an
   * older format) is analyzed now, once per command.
   */
  structure(meta: MessageMeta, info?: BodyInfo): Promise<MessageStructure> {
    return cached(this.structures, meta.blobId, async () => {
      const stored = asMessageStructure((info ?? this.batch.infos.get(meta.blobId) ?? (await this.info(meta)))?.structure);
      if (stored !== undefined) return stored;
      return analyzeMessage(await this.read(meta, 0, meta.size));
    });
  }

  /**
   * Bytes [start, end) that lie in the message's first HEAD_BYTES, read at the
   * same time as the structure (so a header fetch waits for one round trip,
   * not two), or undefined when the range reaches further.
   */
  async headRange(meta: MessageMeta, start: number, end: number): Promise<Buffer | undefined> {
    const head = await cached(this.heads, meta.blobId, () => this.read(meta, 0, Math.min(meta.size, HEAD_BYTES)));
    const [a, b] = clamp(meta, start, end);
    return b <= head.length ? head.subarray(a, b) : undefined;
  }

  /** Start reading the head now (used before the structure is known). */
  prefetchHead(meta: MessageMeta): void {
    void this.headRange(meta, 0, 0).catch(() => undefined);
  }

  /**
   * Bytes [start, end) of the body, clamped to its size. Read from the body's
   * file directly (files are immutable), without crossing to the store's
   * thread; a small body delivered a moment ago has no file yet (the store
   * keeps it in its database until its mover writes it), so it comes from the
   * store. A body gone meanwhile (expunged elsewhere) reads as empty.
   */
  async read(meta: MessageMeta, start: number, end: number): Promise<Buffer> {
    const [a, b] = clamp(meta, start, end);
    if (a === b) return Buffer.alloc(0);
    const fromStore = async (): Promise<Buffer> => {
      const bytes = await this.store.readBody(meta.blobId, a, b);
      return bytes === undefined ? Buffer.alloc(0) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };
    let handle: FileHandle;
    try {
      handle = await open(this.store.blobPath(meta.blobId), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return isInlineBody(meta.size) ? fromStore() : Buffer.alloc(0);
    }
    let out: Buffer;
    try {
      out = Buffer.allocUnsafe(b - a);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, a + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      out = out.subarray(0, done);
    } finally {
      await handle.close();
    }
    // A file shorter than its message (damaged, or cut by a power failure before the
    // store noticed) is never sent as the body: the store may still hold it whole.
    if (out.length < b - a && isInlineBody(meta.size)) return fromStore();
    return out;
  }

  /**
   * Bytes [start, end) as a response value: always a literal (clients such
   * as curl read body data only as literals), from memory when small, streamed
   * from the blob file when large, so a big attachment never sits in memory.
   */
  async value(meta: MessageMeta, start: number, end: number): Promise<LiteralValue | StreamValue> {
    const [a, b] = clamp(meta, start, end);
    if (b - a <= STREAM_THRESHOLD) return literal(await this.read(meta, a, b));
    const path = this.store.blobPath(meta.blobId);
    return {
      kind: 'stream',
      size: b - a,
      open: () => createReadStream(path, { start: a, end: b - 1, highWaterMark: 64 * 1024 }),
    };
  }
}

/** Structures and kept headers of one FETCH batch, by blob id. */
export interface LoadedBatch {
  readonly infos: Map<string, BodyInfo>;
  readonly heads: Map<string, Buffer>;
}

function clamp(meta: MessageMeta, start: number, end: number): [number, number] {
  const a = Math.max(0, Math.min(start, meta.size));
  return [a, Math.max(a, Math.min(end, meta.size))];
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  const value = load();
  map.set(key, value);
  if (map.size > CACHE_SIZE) map.delete(map.keys().next().value!);
  // A failed read is not remembered: the next message with this blob tries again.
  value.catch(() => map.delete(key));
  return value;
}
