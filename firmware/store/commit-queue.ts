// Group commit. Every logical change arrives as one batch of puts and deletes;
// while one synchronous LevelDB write is in flight, the batches that arrive are
// queued and then written together in ONE db.batch(sync: true), so N concurrent
// callers share one fsync. A batch's promise resolves only after the write that
// carried it returned, i.e. once it is on stable storage; then its events go to
// the change feed and its after-commit actions run (blob unlinks).
//
// Until it is durable, a batch's values live in the overlay, so the next
// change prepared meanwhile reads them (UIDNEXT, counters, refcounts) instead
// of stale disk state. When a group write fails, every batch in it and every
// batch queued behind it (prepared on top of its values) is rejected, the
// overlay is dropped and the epoch moves on: a change still being prepared on
// the old state refuses to submit, so memory never runs ahead of disk.
import type { ClassicLevel } from 'classic-level';
import type { FaultInjector } from './faults.ts';
import type { StoreEvent } from './types.ts';

export type WriteOp =
  | { readonly type: 'put'; readonly key: string; readonly value: unknown; readonly valueEncoding?: 'view' }
  | { readonly type: 'del'; readonly key: string };

export interface Batch {
  readonly ops: readonly WriteOp[];
  readonly events: readonly StoreEvent[];
  /** Runs after the batch is durable, in commit order; the caller's promise waits for them (unlinks are quick). */
  readonly afterCommit: ReadonlyArray<() => Promise<void> | void>;
}

interface Queued extends Batch {
  resolve(): void;
  reject(err: unknown): void;
}

interface OverlayEntry {
  value: unknown;
  deleted: boolean;
  /** How many pending batches wrote this key; the entry goes when the last one is durable. */
  pending: number;
}

export interface GroupStats {
  /** Synchronous LevelDB writes done. */
  readonly writes: number;
  /** Batches carried by them (batches / writes = how many callers share an fsync). */
  readonly batches: number;
}

export class CommitQueue {
  readonly #db: ClassicLevel<string, unknown>;
  readonly #faults: FaultInjector | undefined;
  readonly #emit: (event: StoreEvent) => void;
  readonly #onFailure: (err: unknown) => unknown;
  readonly #overlay = new Map<string, OverlayEntry>();
  #queue: Queued[] = [];
  #writing: Promise<void> | undefined;
  #epoch = 0;
  #writes = 0;
  #batches = 0;
  /** The last batch whose caller has not been told yet (commit order is kept). */
  #resolving: Promise<void> | undefined;

  constructor(options: {
    db: ClassicLevel<string, unknown>;
    faults?: FaultInjector | undefined;
    emit: (event: StoreEvent) => void;
    /** Turns a failed write into the error every caller of the group gets. */
    onFailure: (err: unknown) => unknown;
  }) {
    this.#db = options.db;
    this.#faults = options.faults;
    this.#emit = options.emit;
    this.#onFailure = options.onFailure;
  }

  /** Changes whenever a group write fails; a change prepared under an older epoch must not submit. */
  get epoch(): number {
    return this.#epoch;
  }

  get stats(): GroupStats {
    return { writes: this.#writes, batches: this.#batches };
  }

  /** The pending (not yet durable) value of a key, if any batch in the queue wrote it. */
  pending(key: string): { readonly value: unknown; readonly deleted: boolean } | undefined {
    return this.#overlay.get(key);
  }

  /** Pending entries whose key lies in [gte, lt). */
  pendingRange(gte: string, lt: string): Array<[string, { readonly value: unknown; readonly deleted: boolean }]> {
    const out: Array<[string, OverlayEntry]> = [];
    for (const entry of this.#overlay) if (entry[0] >= gte && entry[0] < lt) out.push(entry);
    return out;
  }

  get idle(): boolean {
    return this.#writing === undefined && this.#queue.length === 0;
  }

  /** Queue a batch; resolves once it is durable. Must be called synchronously after the batch was prepared. */
  submit(batch: Batch, epoch: number): Promise<void> {
    if (epoch !== this.#epoch) {
      return Promise.reject(this.#onFailure(new Error('an earlier write failed while this change was prepared')));
    }
    if (batch.ops.length === 0) {
      for (const event of batch.events) this.#emit(event);
      return Promise.allSettled(batch.afterCommit.map((action) => action())).then(() => undefined);
    }
    for (const op of batch.ops) {
      const entry = this.#overlay.get(op.key);
      const value = op.type === 'put' ? op.value : undefined;
      if (entry) {
        entry.value = value;
        entry.deleted = op.type === 'del';
        entry.pending += 1;
      } else {
        this.#overlay.set(op.key, { value, deleted: op.type === 'del', pending: 1 });
      }
    }
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ ...batch, resolve, reject }));
    // Start the writer a microtask later: #drain may settle synchronously (an
    // injected fault), and its `finally` must run after #writing is assigned.
    if (!this.#writing) this.#writing = Promise.resolve().then(() => this.#drain());
    return done;
  }

  /** Resolves when nothing is queued or being written. */
  async settle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue;
        this.#queue = [];
        const ops = group.length === 1 ? (group[0]?.ops ?? []) : group.flatMap((batch) => batch.ops);
        try {
          this.#faults?.check('db-batch');
          await this.#db.batch(ops as WriteOp[], { sync: true });
        } catch (err) {
          this.#fail([...group, ...this.#queue.splice(0)], err);
          continue;
        }
        this.#writes += 1;
        this.#batches += group.length;
        for (const batch of group) this.#committed(batch);
      }
    } finally {
      this.#writing = undefined;
    }
  }

  #committed(batch: Queued): void {
    for (const op of batch.ops) {
      const entry = this.#overlay.get(op.key);
      if (entry && --entry.pending === 0) this.#overlay.delete(op.key);
    }
    for (const event of batch.events) this.#emit(event);
    const waits: Array<Promise<void>> = [];
    for (const action of batch.afterCommit) {
      try {
        const result = action();
        if (result instanceof Promise) waits.push(result);
      } catch {
        // an after-commit action is cleanup; its failure does not undo the commit
      }
    }
    // Callers hear back in commit order: a batch whose actions (unlinks) take
    // a moment holds back the ones committed after it. Synchronous actions (a
    // notice to the body mover) delay nobody.
    if (waits.length === 0 && this.#resolving === undefined) {
      batch.resolve();
      return;
    }
    const tail = (this.#resolving ?? Promise.resolve()).then(() => Promise.allSettled(waits)).then(() => batch.resolve());
    this.#resolving = tail;
    void tail.then(() => {
      if (this.#resolving === tail) this.#resolving = undefined;
    });
  }

  #fail(batches: Queued[], err: unknown): void {
    this.#overlay.clear();
    this.#epoch += 1;
    const error = this.#onFailure(err);
    const reject = () => {
      for (const batch of batches) batch.reject(error);
    };
    // commit order for the bad news too: not before an earlier committed batch's caller heard back
    if (this.#resolving === undefined) {
      reject();
      return;
    }
    const tail = this.#resolving.then(reject);
    this.#resolving = tail;
    void tail.then(() => {
      if (this.#resolving === tail) this.#resolving = undefined;
    });
  }
}
