// Body files on disk: content-addressed (sha256 hex), immutable, at
// blobs/<first two hex>/<hash>. A body is written once: temp file, fsync,
// rename into place, fsync of the directory, so a rename that survives a crash
// always names a complete file. Which files are referenced is LevelDB's
// business (blob:<hash> records); this module only knows files.
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs, rename, rm, writeFile } from 'node:fs';
import path from 'node:path';
import type { FaultInjector, FaultStage } from './faults.ts';
import { Syncfs, SyncfsUnavailable } from './syncfs.ts';

const HASH = /^[0-9a-f]{64}$/;
const TEMP_DIR = 'tmp';

export function isBlobId(s: string): boolean {
  return HASH.test(s);
}

export function hashBody(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Coalesces fsyncs of one directory: a caller that arrives while a sync is in
 * flight waits for the next one (the running one may have started before its
 * rename), and every caller that arrived meanwhile shares that next sync.
 */
class DirSyncer {
  readonly #dir: string;
  readonly #fault: (stage: FaultStage) => void;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  // kept open: opening and closing the directory for each sync costs two more
  // trips through the thread pool, which is busy with fsyncs
  #handle: Promise<fs.FileHandle> | undefined;
  constructor(dir: string, fault: (stage: FaultStage) => void) {
    this.#dir = dir;
    this.#fault = fault;
  }
  sync(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#running) {
      this.#running = this.#syncOnce().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    const after = this.#running.catch(() => undefined);
    this.#next = after.then(() => {
      this.#next = undefined;
      return this.sync();
    });
    return this.#next;
  }
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
  async #syncOnce(): Promise<void> {
    this.#fault('dir-fsync');
    this.#handle ??= fs.open(this.#dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await (await this.#handle).sync();
    } catch (err) {
      await this.close(); // reopen next time, in case the handle itself went bad
      throw err;
    }
  }
}

export class BlobFiles {
  readonly root: string;
  readonly #faults: FaultInjector | undefined;
  readonly #syncers = new Map<string, DirSyncer>();
  /** Temp file names being written right now (fsck and cleanup leave them alone). */
  readonly #tempsInFlight = new Set<string>();
  /** Hash -> the write in flight, so two deliveries of one body share one write. */
  readonly #writing = new Map<string, Promise<void>>();

  /** Whether `sync -f` works here (undefined until tried). */
  #syncfsWorks: boolean | undefined;
  readonly #syncfs: Syncfs;
  /** close() ran: the sync shell is gone and the directory handles are closed. */
  #closed = false;

  constructor(root: string, faults?: FaultInjector, options: { shell?: string } = {}) {
    this.root = root;
    this.#faults = faults;
    this.#syncfs = new Syncfs(options.shell === undefined ? {} : { shell: options.shell });
  }

  /** Create the directory tree (idempotent) and fsync what was created. */
  async init(): Promise<void> {
    await fs.mkdir(path.join(this.root, TEMP_DIR), { recursive: true });
    let created = false;
    for (let i = 0; i < 256; i++) {
      const dir = path.join(this.root, i.toString(16).padStart(2, '0'));
      const made = await fs.mkdir(dir, { recursive: true });
      if (made !== undefined) created = true;
    }
    if (created) await this.#dirSyncer(this.root).sync();
  }

  path(hash: string): string {
    return path.join(this.root, hash.slice(0, 2), hash);
  }

  /**
   * Make sure the body of `hash` is durably on disk. `committed` says a blob
   * record for it was durable a moment ago: then a file found in place was
   * fsync'd (with its directory) before that record committed, and is used as is.
   */
  ensure(hash: string, body: Uint8Array, committed: boolean): Promise<void> {
    const inFlight = this.#writing.get(hash);
    if (inFlight) return inFlight;
    const write = this.#ensure(hash, body, committed).finally(() => this.#writing.delete(hash));
    this.#writing.set(hash, write);
    return write;
  }

  async #ensure(hash: string, body: Uint8Array, committed: boolean): Promise<void> {
    const final = this.path(hash);
    if (committed) {
      const existing = await fs.stat(final).catch(() => undefined);
      if (existing?.size === body.byteLength) return;
    }
    const tempName = `${hash}.${randomBytes(6).toString('hex')}`;
    const temp = path.join(this.root, TEMP_DIR, tempName);
    this.#tempsInFlight.add(tempName);
    try {
      this.#fault('blob-write');
      const handle = await fs.open(temp, 'wx', 0o640);
      try {
        await handle.writeFile(body);
        this.#fault('blob-fsync');
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.#fault('blob-rename');
      await fs.rename(temp, final);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      this.#tempsInFlight.delete(tempName);
    }
    await this.#dirSyncer(path.dirname(final)).sync();
  }

  /**
   * Write a body file without fsync (temp file, rename): for bodies already
   * durable in the database, made durable together by syncAll() before the
   * database lets go of them (body-mover.ts). Replaces any file of that name.
   * On the thread pool (a file creation can wait on the disk's journal for
   * a long while under load), with the callback API: no FileHandle and no
   * promise per step.
   */
  writeUnsynced(hash: string, body: Uint8Array): Promise<void> {
    const tempName = `${hash}.${randomBytes(6).toString('hex')}`;
    const temp = path.join(this.root, TEMP_DIR, tempName);
    const final = this.path(hash);
    this.#tempsInFlight.add(tempName);
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        rm(temp, { force: true }, () => {
          this.#tempsInFlight.delete(tempName);
          reject(err);
        });
      };
      try {
        this.#fault('blob-write');
      } catch (err) {
        this.#tempsInFlight.delete(tempName);
        reject(err);
        return;
      }
      writeFile(temp, body, { flag: 'wx', mode: 0o640 }, (writeError) => {
        if (writeError) return fail(writeError);
        try {
          this.#fault('blob-rename');
        } catch (err) {
          return fail(err as Error);
        }
        rename(temp, final, (renameError) => {
          if (renameError) return fail(renameError);
          this.#tempsInFlight.delete(tempName);
          resolve();
        });
      });
    });
  }

  /**
   * Make the files of `hashes` and their names durable. One syncfs(2) of the
   * file system (coreutils' `sync -f`, through a shell kept running) writes
   * them all with a single journal commit, where an fsync per file and per
   * directory would cost two disk flushes each; without `sync`, each file and
   * directory is fsync'd.
   */
  async syncAll(hashes: readonly string[]): Promise<void> {
    if (hashes.length === 0) return;
    // no new sync shell once closed (it would outlive the store)
    if (this.#closed) throw new Error('the body files are closed');
    this.#fault('blob-fsync');
    if (this.#syncfsWorks !== false) {
      try {
        await this.#syncfs.sync(this.root);
        this.#syncfsWorks = true;
        return;
      } catch (err) {
        // A missing command falls back for good. A failed `sync -f` (an
        // option this sync does not know, an error somewhere else on the file
        // system, a shell that died) falls back for this call: the fsyncs
        // below fail too if these files cannot be made durable, and otherwise
        // the bodies still leave the database instead of piling up in it.
        if (this.#closed) throw err; // the store closed under it: no handles opened after close
        if (err instanceof SyncfsUnavailable) this.#syncfsWorks = false;
      }
    }
    for (const hash of hashes) {
      const handle = await fs.open(this.path(hash), 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    this.#fault('dir-fsync');
    await Promise.all([...new Set(hashes.map((hash) => path.dirname(this.path(hash))))].map((dir) => this.#dirSyncer(dir).sync()));
  }

  async read(hash: string, start?: number, end?: number): Promise<Uint8Array | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path(hash), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const size = (await handle.stat()).size;
      const from = Math.min(Math.max(0, start ?? 0), size);
      const to = Math.min(Math.max(from, end ?? size), size);
      const out = Buffer.alloc(to - from);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, from + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return new Uint8Array(out.buffer, out.byteOffset, done);
    } finally {
      await handle.close();
    }
  }

  async size(hash: string): Promise<number | undefined> {
    const st = await fs.stat(this.path(hash)).catch(() => undefined);
    return st?.size;
  }

  /** Remove a body file; a missing file is fine (an earlier unlink or a crash got there first). */
  async unlink(hash: string): Promise<void> {
    await fs.rm(this.path(hash), { force: true });
  }

  /** Every body file on disk, as hashes. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < 256; i++) {
      const sub = i.toString(16).padStart(2, '0');
      const names = await fs.readdir(path.join(this.root, sub)).catch(() => [] as string[]);
      for (const name of names) if (isBlobId(name) && name.startsWith(sub)) out.push(name);
    }
    return out;
  }

  /** Temp files left by interrupted writes (not the ones being written now). */
  async staleTemps(): Promise<string[]> {
    const names = await fs.readdir(path.join(this.root, TEMP_DIR)).catch(() => [] as string[]);
    return names.filter((name) => !this.#tempsInFlight.has(name));
  }

  async removeTemp(name: string): Promise<void> {
    await fs.rm(path.join(this.root, TEMP_DIR, name), { force: true });
  }

  /** Close the directory handles kept for fsync and stop the sync shell. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#syncfs.close();
    await Promise.all([...this.#syncers.values()].map((syncer) => syncer.close()));
  }

  #dirSyncer(dir: string): DirSyncer {
    let syncer = this.#syncers.get(dir);
    if (!syncer) {
      syncer = new DirSyncer(dir, (stage) => this.#fault(stage));
      this.#syncers.set(dir, syncer);
    }
    return syncer;
  }

  #fault(stage: FaultStage): void {
    this.#faults?.check(stage);
  }
}
