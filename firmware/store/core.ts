// The machinery every store operation shares: the database, the body files,
// the commit queue, one mutex for preparing changes, blob pins and the
// collection of unreferenced bodies.
//
// Preparing a change (reading the current state, computing the new records)
// happens under one mutex, which is cheap because nothing slow runs under it:
// bodies are hashed and written to disk before, and the fsync of the batch
// happens after, in the commit queue, where concurrent changes share it.
import { statfs } from 'node:fs/promises';
import type { ClassicLevel } from 'classic-level';
import { errorCodeOf, PochtaError } from '../errors.ts';
import type { BlobFiles } from './blob-files.ts';
import { encodeHead } from './body-head.ts';
import { isInlineBody } from './body-placement.ts';
import type { CommitQueue } from './commit-queue.ts';
import { keys } from './keys.ts';
import type { BlobRecord } from './records.ts';
import { signatureOf } from './search-index.ts';
import { Tx } from './tx.ts';
import type { BodyInfo, StoreEvent } from './types.ts';

/** What a change that brings a new body knows about it, for the blob record created with its first reference. */
export interface NewBlob {
  readonly size: number;
  readonly info: () => BodyInfo | undefined;
  /** Its search index entry (computed with the BodyInfo, before the write mutex, when the body is new). */
  readonly signature?: () => string;
  /** The bytes, for a body kept in the database (body-placement.ts): written in the same batch as its record. */
  readonly bytes?: Uint8Array;
}

/** Map any failure of the disk or the database to the catalogue: DISK_FULL or STORAGE_FAILURE. */
export function storageError(err: unknown): PochtaError {
  if (err instanceof PochtaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const full = errorCodeOf(err) === 'DISK_FULL' || /ENOSPC|No space left|EDQUOT/i.test(message);
  return new PochtaError(full ? 'DISK_FULL' : 'STORAGE_FAILURE', message, { cause: err });
}

export class StoreCore {
  readonly db: ClassicLevel<string, unknown>;
  readonly blobs: BlobFiles;
  readonly commits: CommitQueue;
  readonly now: () => number;
  readonly analyze: ((body: Uint8Array) => BodyInfo) | undefined;
  readonly reserveBytes: number;
  readonly listeners = new Set<(event: StoreEvent) => void>();
  closed = false;
  /** Moves bodies from the database to their files after delivery (set by openStore). */
  mover: { notify(count?: number): void } | undefined;
  /**
   * Bytes of bodies kept in the database and not yet moved to their files:
   * the mover will write them again, so the space check counts them as used.
   */
  inlineBytes = 0;
  #tail: Promise<void> = Promise.resolve();
  readonly #pins = new Map<string, number>();
  readonly #unlinking = new Map<string, Promise<void>>();
  readonly #deferred = new Set<string>();
  #backups = 0;
  #space: { at: number; free: number } | undefined;
  #leftDatabase = 0;
  #compacting: Promise<void> | undefined;

  constructor(options: {
    db: ClassicLevel<string, unknown>;
    blobs: BlobFiles;
    commits: CommitQueue;
    now: () => number;
    analyze?: ((body: Uint8Array) => BodyInfo) | undefined;
    reserveBytes: number;
  }) {
    this.db = options.db;
    this.blobs = options.blobs;
    this.commits = options.commits;
    this.now = options.now;
    this.analyze = options.analyze;
    this.reserveBytes = options.reserveBytes;
  }

  /**
   * Refuse a new body (DISK_FULL) when it would eat into the reserve. LevelDB
   * that runs out of space mid-write stops taking any write, even the expunges
   * that would free space, and cannot reopen without room to compact; keeping
   * a reserve for metadata means a full mailbox disk still lets users delete.
   */
  async ensureSpace(bytes: number): Promise<void> {
    if (this.reserveBytes <= 0) return;
    if (await this.#roomFor(bytes)) return;
    // The copies of bodies that left the database stay in LevelDB's files until
    // a compaction drops them, and LevelDB compacts only as it is written to:
    // on a full disk that takes no mail, never. Their range is nearly all dead
    // by now, so compacting it is cheap and gives the space back.
    if (this.#leftDatabase > 0) {
      await this.#compactBodies();
      if (await this.#roomFor(bytes)) return;
    }
    this.#space = undefined; // look again next time: space may have been freed
    throw new PochtaError('DISK_FULL', `disk nearly full; ${this.reserveBytes} bytes kept in reserve for the database`);
  }

  async #roomFor(bytes: number): Promise<boolean> {
    const now = Date.now(); // wall clock on purpose: this paces a syscall, it is not mail time
    // statfs at most every half second; bodies accepted since are subtracted
    if (!this.#space || now - this.#space.at > 500) {
      try {
        const stats = await statfs(this.blobs.root);
        this.#space = { at: now, free: stats.bavail * stats.bsize };
      } catch {
        return true; // no answer from statfs: the write itself will tell
      }
    }
    if (this.#space.free - this.inlineBytes - bytes < this.reserveBytes) return false;
    this.#space.free -= bytes;
    return true;
  }

  /** Wait for a compaction of the body range in flight (close). */
  async settleCompaction(): Promise<void> {
    await this.#compacting;
  }

  /** Bytes of bodies that left the database (moved or deleted) since its body range was last compacted. */
  noteLeftDatabase(bytes: number): void {
    this.#leftDatabase += bytes;
  }

  /** Compact the database's body range, one at a time; the next statfs sees what it freed. */
  #compactBodies(): Promise<void> {
    this.#compacting ??= (async () => {
      this.#leftDatabase = 0;
      const range = keys.bodyDatas();
      try {
        await this.db.compactRange(range.gte, range.lt);
      } catch {
        // nothing freed; the refusal that follows says why mail waits
      } finally {
        this.#space = undefined;
        this.#compacting = undefined;
      }
    })();
    return this.#compacting;
  }

  assertOpen(): void {
    if (this.closed) throw new PochtaError('STORE_CLOSED', 'the store is closed');
  }

  emit(event: StoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a subscriber's bug must not break commits or the other subscribers
      }
    }
  }

  /**
   * Read a durable record. A point read, done synchronously: from the
   * memtable or block cache it takes microseconds, while a trip through the
   * thread pool queues behind the fsyncs and body writes running there (an
   * RCPT lookup of three records took milliseconds that way under load).
   */
  async read<T>(key: string): Promise<T | undefined> {
    return this.readSync<T>(key);
  }

  /**
   * Read a durable record without the thread-pool round trip: a point read
   * from the memtable or block cache takes microseconds, which matters when a
   * FETCH reads the structure of 10,000 messages; a cold read blocks this
   * thread for about one block read.
   */
  readSync<T>(key: string): T | undefined {
    this.assertOpen();
    try {
      return this.db.getSync(key) as T | undefined;
    } catch (err) {
      throw storageError(err);
    }
  }

  /**
   * Bytes [start, end) of a body kept in the database, or undefined when it is
   * not there (a body stored as a file). A fresh buffer the caller may keep or
   * transfer. getSync: a point read of a few KiB from the memtable or block
   * cache, not worth a trip through a thread pool busy with fsyncs.
   */
  readInlineBody(hash: string, start?: number, end?: number): Uint8Array | undefined {
    this.assertOpen();
    let bytes: Uint8Array | undefined;
    try {
      bytes = this.db.getSync(keys.bodyData(hash), { valueEncoding: 'view' }) as Uint8Array | undefined;
    } catch (err) {
      throw storageError(err);
    }
    if (bytes === undefined) return undefined;
    const from = Math.min(Math.max(0, start ?? 0), bytes.byteLength);
    const to = Math.min(Math.max(from, end ?? bytes.byteLength), bytes.byteLength);
    return from === 0 && to === bytes.byteLength ? bytes : bytes.slice(from, to);
  }

  async scan<T>(range: { gte: string; lt: string }): Promise<Array<[string, T]>> {
    this.assertOpen();
    try {
      return (await this.db.iterator(range).all()) as Array<[string, T]>;
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Run `fn` alone among preparing changes (fsck, close). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.#acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Prepare one logical change with `fn` and commit it as one durable batch.
   * Resolves with fn's result once the batch is on stable storage.
   */
  async mutate<T>(fn: (tx: Tx) => Promise<T>, newBlobs?: ReadonlyMap<string, NewBlob>): Promise<T> {
    this.assertOpen();
    const release = await this.#acquire();
    let result: T;
    let durable: Promise<void>;
    try {
      this.assertOpen();
      const tx = new Tx(this.db, this.commits);
      result = await fn(tx);
      await this.#settleBlobRefs(tx, newBlobs);
      durable = this.commits.submit({ ops: tx.ops(), events: tx.events, afterCommit: tx.afterCommit }, tx.epoch);
    } catch (err) {
      throw storageError(err);
    } finally {
      release();
    }
    await durable;
    return result;
  }

  // Turn the refcount deltas of a change into blob records in the same batch.
  async #settleBlobRefs(tx: Tx, newBlobs?: ReadonlyMap<string, NewBlob>): Promise<void> {
    for (const [hash, delta] of tx.blobDeltas) {
      if (delta === 0) continue;
      const record = await tx.get<BlobRecord>(keys.blob(hash));
      const refs = (record?.refs ?? 0) + delta;
      if (refs <= 0) {
        if (record) {
          tx.del(keys.blob(hash));
          tx.del(keys.bodyInfo(hash));
          tx.del(keys.bodyText(hash));
          tx.del(keys.bodyHead(hash));
          tx.del(keys.searchSignature(hash));
          if (record.inline) {
            // A body still in the database goes with this batch. A file of it
            // may exist too (written by a pass that failed before its
            // hand-over): collected like any other. A pass moving it right now
            // has it pinned, so its file stays until that pass lets go (and
            // collects it then if the record is still gone): a later
            // incarnation of the same bytes (the same draft saved again) that
            // the pass is about to hand over to keeps its file.
            tx.del(keys.bodyData(hash));
            tx.afterCommit.push(() => {
              this.inlineBytes -= record.size;
              this.noteLeftDatabase(record.size);
            });
          }
          tx.afterCommit.push(() => this.collect(hash));
        }
      } else if (record) {
        tx.put(keys.blob(hash), { ...record, refs } satisfies BlobRecord);
      } else {
        const fresh = newBlobs?.get(hash);
        if (!fresh) throw new PochtaError('INTERNAL', `reference to body ${hash} that has no record`);
        if (fresh.bytes !== undefined) {
          tx.putBytes(keys.bodyData(hash), fresh.bytes);
          tx.afterCommit.push(() => {
            this.inlineBytes += fresh.size;
            this.mover?.notify();
          });
          tx.put(keys.blob(hash), { refs, size: fresh.size, createdAt: this.now(), inline: true } satisfies BlobRecord);
        } else {
          tx.put(keys.blob(hash), { refs, size: fresh.size, createdAt: this.now() } satisfies BlobRecord);
        }
        const info = fresh.info();
        if (info !== undefined) {
          // the text apart: a FETCH reads the structure of every message and never needs the text
          const { text, head, ...rest } = info;
          tx.put(keys.bodyInfo(hash), rest);
          if (text !== undefined) tx.put(keys.bodyText(hash), text);
          // the header apart too: a header FETCH reads it for every message and nothing else
          if (head !== undefined && head.length > 0) tx.put(keys.bodyHead(hash), encodeHead(head));
        }
        // the search index entry of a body is written once, with its first reference
        tx.put(keys.searchSignature(hash), fresh.signature?.() ?? signatureOf(info));
      }
    }
  }

  /**
   * Write a body file (or find it written) and pin it: while pinned, the body
   * is never collected, even if its last reference goes meanwhile. A body kept
   * in the database has no file: its bytes go into the batch of the change.
   */
  async pinBody(hash: string, body: Uint8Array, committed: boolean): Promise<void> {
    this.#pins.set(hash, (this.#pins.get(hash) ?? 0) + 1);
    if (isInlineBody(body.byteLength)) return;
    try {
      await this.#unlinking.get(hash);
      await this.blobs.ensure(hash, body, committed);
    } catch (err) {
      await this.unpin(hash, false);
      throw storageError(err);
    }
  }

  /**
   * Pin a body without writing anything: its file is never collected while
   * pinned (the mover holds the bodies of its pass, body-mover.ts).
   */
  pin(hash: string): void {
    this.#pins.set(hash, (this.#pins.get(hash) ?? 0) + 1);
  }

  /** Drop a pin; a body nothing ended up referencing is collected. */
  unpin(hash: string, referenced: boolean): Promise<void> {
    const left = (this.#pins.get(hash) ?? 1) - 1;
    if (left > 0) this.#pins.set(hash, left);
    else this.#pins.delete(hash);
    return referenced ? Promise.resolve() : this.collect(hash);
  }

  /** Some body write or change that brings a body is still in flight. */
  get bodiesInFlight(): boolean {
    return this.#pins.size > 0;
  }

  /** A collection of this body (the unlink of its file) is running. */
  isUnlinking(hash: string): boolean {
    return this.#unlinking.has(hash);
  }

  isPinned(hash: string): boolean {
    return (this.#pins.get(hash) ?? 0) > 0 || this.#unlinking.has(hash);
  }

  /** Unlink a body file if nothing durable or in flight refers to it. */
  collect(hash: string): Promise<void> {
    if (this.#backups > 0) {
      this.#deferred.add(hash);
      return Promise.resolve();
    }
    if ((this.#pins.get(hash) ?? 0) > 0 || this.#unlinking.has(hash)) return Promise.resolve();
    // Registered before the first await: a writer that pins now waits for us and rewrites the file.
    const run = (async () => {
      const pending = this.commits.pending(keys.blob(hash));
      if (pending && !pending.deleted) return;
      if (this.closed) return;
      // a point read, synchronous: the mover unpins (and so collects) every body of its pass
      const record = this.db.getSync(keys.blob(hash));
      if (record !== undefined) return;
      await this.blobs.unlink(hash);
    })()
      .catch(() => undefined) // a leftover file is an orphan that fsck removes
      .finally(() => this.#unlinking.delete(hash));
    this.#unlinking.set(hash, run);
    return run;
  }

  /** Hold back collection while a backup copies bodies; collected afterwards. */
  holdCollection(): () => Promise<void> {
    this.#backups += 1;
    return async () => {
      this.#backups -= 1;
      if (this.#backups > 0) return;
      const hashes = [...this.#deferred];
      this.#deferred.clear();
      await Promise.all(hashes.map((hash) => this.collect(hash)));
    };
  }

  /** Wait for pending unlinks (close, tests). */
  async settleCollection(): Promise<void> {
    while (this.#unlinking.size > 0) await Promise.all([...this.#unlinking.values()]);
  }

  #acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    return previous.then(() => release);
  }
}
