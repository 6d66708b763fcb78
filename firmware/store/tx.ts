// One logical change being prepared: reads see durable data overlaid with the
// pending batches of the commit queue and with this change's own writes;
// writes are collected and handed to the commit queue as one batch.
import type { ClassicLevel } from 'classic-level';
import type { CommitQueue, WriteOp } from './commit-queue.ts';
import type { KeyRange } from './keys.ts';
import type { StoreEvent } from './types.ts';

type Local = { readonly value: unknown; readonly deleted: boolean; readonly raw?: true };

export class Tx {
  readonly #db: ClassicLevel<string, unknown>;
  readonly #commits: CommitQueue;
  readonly #writes = new Map<string, Local>();
  readonly epoch: number;
  readonly events: StoreEvent[] = [];
  readonly afterCommit: Array<() => Promise<void> | void> = [];
  /** Refcount change per blob hash, settled into blob records when the change is submitted. */
  readonly blobDeltas = new Map<string, number>();

  constructor(db: ClassicLevel<string, unknown>, commits: CommitQueue) {
    this.#db = db;
    this.#commits = commits;
    this.epoch = commits.epoch;
  }

  get<T>(key: string): Promise<T | undefined> {
    const local = this.#writes.get(key) ?? this.#commits.pending(key);
    if (local) return Promise.resolve(local.deleted ? undefined : (local.value as T));
    // getSync: a point read from the memtable or block cache takes microseconds;
    // going through the thread pool would queue it behind body fsyncs while
    // this change holds the write mutex.
    return Promise.resolve(this.#db.getSync(key) as T | undefined);
  }

  getMany<T>(keyList: readonly string[]): Promise<Array<T | undefined>> {
    const out: Array<T | undefined> = new Array(keyList.length);
    const misses: number[] = [];
    keyList.forEach((key, i) => {
      const local = this.#writes.get(key) ?? this.#commits.pending(key);
      if (local) out[i] = local.deleted ? undefined : (local.value as T);
      else misses.push(i);
    });
    for (const i of misses) out[i] = this.#db.getSync(keyList[i] as string) as T | undefined;
    return Promise.resolve(out);
  }

  /** Every live entry in a key range, in key order. */
  async scan<T>(range: KeyRange): Promise<Array<[string, T]>> {
    // Take the pending entries BEFORE the iterator's snapshot: a group that
    // commits while we iterate leaves the overlay, and would be in neither.
    // (No new batch can queue meanwhile: the caller holds the write mutex.)
    const pending = this.#commits.pendingRange(range.gte, range.lt).map(([key, entry]) => [key, { ...entry }] as const);
    const merged = new Map<string, Local>();
    for await (const [key, value] of this.#db.iterator(range)) merged.set(key, { value, deleted: false });
    for (const [key, entry] of pending) merged.set(key, entry);
    for (const [key, entry] of this.#writes) if (key >= range.gte && key < range.lt) merged.set(key, entry);
    return [...merged.entries()]
      .filter(([, entry]) => !entry.deleted)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => [key, entry.value as T]);
  }

  put(key: string, value: unknown): void {
    this.#writes.set(key, { value, deleted: false });
  }

  /** Put raw bytes (a body kept in the database) instead of a JSON value; never read back through the Tx. */
  putBytes(key: string, bytes: Uint8Array): void {
    this.#writes.set(key, { value: bytes, deleted: false, raw: true });
  }

  del(key: string): void {
    this.#writes.set(key, { value: undefined, deleted: true });
  }

  emit(event: StoreEvent): void {
    this.events.push(event);
  }

  addBlobRef(hash: string, delta: number): void {
    this.blobDeltas.set(hash, (this.blobDeltas.get(hash) ?? 0) + delta);
  }

  ops(): WriteOp[] {
    return [...this.#writes].map(([key, entry]) =>
      entry.deleted
        ? { type: 'del' as const, key }
        : entry.raw
          ? { type: 'put' as const, key, value: entry.value, valueEncoding: 'view' as const }
          : { type: 'put' as const, key, value: entry.value },
    );
  }
}
