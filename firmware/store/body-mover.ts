// Moves bodies out of the database into their files, a while after delivery.
//
// A delivered body up to INLINE_BODY_LIMIT goes into the database in the batch
// of its delivery, so it is durable with the group commit's one fsync (a file
// of its own would cost a file fsync and a directory fsync before the 250).
// The database is only its first home: LevelDB rewrites what it keeps as it
// compacts, gives deleted space back late and needs free room to compact, all
// wrong for the bulk of a mailbox on an SD card. So this mover writes the
// files without fsync, makes them all durable with one syncfs, and only then,
// in one batch, drops the database copies and marks the records as files.
//
// A crash anywhere in between leaves the database copy in place (and maybe a
// file, which the next open unlinks: unsynced, it may be cut short); a body
// deleted meanwhile has its file unlinked by the store's collection once the
// pass lets go of it. Readers never care: readBody finds either copy.

import type { StoreCore } from './core.ts';
import { keys } from './keys.ts';
import type { BlobRecord } from './records.ts';

/** Body files written in parallel by a pass. */
const WRITES_AT_ONCE = 4;

export interface BodyMoverOptions {
  /** Wait this long after the first new body before a pass, so one syncfs covers many (default 250 ms). */
  readonly delayMs?: number;
  /** Start a pass at once when this many new bodies wait (default 256). */
  readonly eagerCount?: number;
  /** Bodies per pass at most (default 1024). */
  readonly passSize?: number;
  /** After a failed pass, wait this long before the next (default 5 s). */
  readonly retryMs?: number;
  /** Test hook: runs after a pass made its files durable and before it hands the bodies over to them. */
  readonly beforeHandOver?: () => Promise<void>;
}

/** The size the blob record gives a body, or undefined when it has none. */
function bodySize(core: StoreCore, hash: string): number | undefined {
  return (core.db.getSync(keys.blob(hash)) as BlobRecord | undefined)?.size;
}

export class BodyMover {
  readonly #core: StoreCore;
  readonly #delayMs: number;
  readonly #eagerCount: number;
  readonly #passSize: number;
  readonly #retryMs: number;
  readonly #beforeHandOver: (() => Promise<void>) | undefined;
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** The last pass failed; the next waits retryMs. */
  #failing = false;

  constructor(core: StoreCore, options: BodyMoverOptions = {}) {
    this.#core = core;
    this.#delayMs = options.delayMs ?? 250;
    this.#eagerCount = options.eagerCount ?? 256;
    this.#passSize = options.passSize ?? 1024;
    this.#retryMs = options.retryMs ?? 5000;
    this.#beforeHandOver = options.beforeHandOver;
  }

  /** A body was committed into the database (or bodies may wait there, as at open). */
  notify(count = 1): void {
    if (this.#stopped) return;
    this.#waiting += count;
    if (this.#running) return; // the pass in flight schedules the next
    if (this.#waiting >= this.#eagerCount && !this.#failing) {
      this.#clearTimer();
      this.#start();
    } else {
      this.#timer ??= setTimeout(() => this.#start(), this.#failing ? this.#retryMs : this.#delayMs);
      this.#timer.unref();
    }
  }

  /** Move every body now waiting (tests, a clean shutdown); resolves when none is left or a pass fails. */
  async drain(): Promise<void> {
    for (;;) {
      // one pass at a time: a drain's pass counts as the running one, so a
      // notice meanwhile does not start a second beside it and stop() waits for it
      while (this.#running) await this.#running;
      if (this.#stopped) return;
      this.#clearTimer();
      const pass = this.#pass();
      const running = pass.then(
        () => undefined,
        () => undefined,
      );
      this.#running = running;
      let moved: number;
      try {
        moved = await pass;
      } finally {
        if (this.#running === running) this.#running = undefined;
        if (this.#waiting > 0) this.notify(0);
      }
      if (moved === 0) return;
    }
  }

  /** No new passes; waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#running;
  }

  #start(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#running) return;
    this.#running = this.#pass()
      .then(
        () => {
          this.#failing = false;
        },
        () => {
          this.#failing = true;
        },
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#waiting > 0) this.notify(0);
      });
  }

  /** One pass: returns how many bodies were moved (0 = none was waiting). */
  async #pass(): Promise<number> {
    const core = this.#core;
    if (core.closed) return 0;
    this.#waiting = 0;
    const hashes: string[] = [];
    for await (const key of core.db.keys({ ...keys.bodyDatas(), limit: this.#passSize })) hashes.push(keys.bodyDataOf(key));
    if (hashes.length === 0) return 0;
    if (hashes.length === this.#passSize) this.#waiting += 1; // more than one pass's worth: go on after this one
    const written: string[] = [];
    // Every body of the pass is pinned from before its file is written until
    // after the hand-over: while pinned, nothing unlinks its file (not the
    // collection after a failed delivery of the same bytes, not an expunge
    // of the body once another pass handed it over, not fsck's repair), so
    // a file the hand-over points the record at is the one this pass wrote
    // and synced. Unpinning collects the files of bodies deleted meanwhile.
    const pinned: string[] = [];
    const write = async (hash: string): Promise<void> => {
      // A collection of an earlier incarnation of this body still running
      // could unlink the file just written: leave it for the next pass. (One
      // that would start later finds the body pinned and leaves it.)
      if (core.isUnlinking(hash)) {
        this.#waiting += 1;
        return;
      }
      core.pin(hash);
      pinned.push(hash);
      const bytes = core.readInlineBody(hash);
      if (bytes === undefined) return; // deleted since the listing
      await core.blobs.writeUnsynced(hash, bytes);
      written.push(hash);
    };
    try {
      // a few at a time on the thread pool: enough to keep it busy, not enough to crowd out the commits' fsync
      // (all settled before a failure ends the pass: no write lands after its bodies are unpinned)
      for (let i = 0; i < hashes.length; i += WRITES_AT_ONCE) {
        const results = await Promise.allSettled(hashes.slice(i, i + WRITES_AT_ONCE).map(write));
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
      }
      await core.blobs.syncAll(written);
      await this.#beforeHandOver?.();
      // Defence in depth: hand over only to a file that is there, whole, after the
      // sync. Anything that removed or cut it meanwhile (a bug elsewhere) then
      // costs a retry in the next pass, never a body.
      const sizes = await Promise.all(written.map((hash) => core.blobs.size(hash)));
      const whole = new Set(written.filter((hash, i) => sizes[i] !== undefined && sizes[i] === bodySize(core, hash)));
      if (whole.size < written.length) this.#waiting += 1;
      await core.mutate(async (tx) => {
        for (const hash of written) {
          const record = await tx.get<BlobRecord>(keys.blob(hash));
          if (record !== undefined && !whole.has(hash)) continue;
          if (record?.inline) {
            const { inline: _moved, ...asFile } = record;
            tx.put(keys.blob(hash), asFile satisfies BlobRecord);
            tx.del(keys.bodyData(hash));
            tx.afterCommit.push(() => {
              core.inlineBytes -= record.size;
              core.noteLeftDatabase(record.size);
            });
          } else if (record !== undefined) {
            // already a file (a copy left by a crash, or fsck's repair): the database copy goes
            tx.del(keys.bodyData(hash));
          }
          // (deleted while it was written: its file is garbage, collected as it is unpinned below)
        }
      });
    } finally {
      // a body whose record is gone has its file unlinked here (once no other pin holds it)
      await Promise.all(pinned.map((hash) => core.unpin(hash, false)));
    }
    return written.length;
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
