// Opening a store: directories, LevelDB, schema migrations, recovery after an
// unclean shutdown (left-over temp files and bodies of changes that never
// committed are removed), then the open marker that tells the next start
// whether this one ended cleanly.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { PochtaError } from '../errors.ts';
import { BlobFiles } from './blob-files.ts';
import { BodyMover, type BodyMoverOptions } from './body-mover.ts';
import { CommitQueue } from './commit-queue.ts';
import { StoreCore, storageError } from './core.ts';
import type { FaultInjector } from './faults.ts';
import { keys, OPEN_MARKER_KEY } from './keys.ts';
import { LevelMailStore } from './level-store.ts';
import { type Migration, migrate } from './migrations.ts';
import type { BlobRecord } from './records.ts';
import type { BodyInfo } from './types.ts';

export interface OpenStoreOptions {
  /** Data directory; the store keeps dir/db (LevelDB) and dir/blobs. */
  readonly dir: string;
  readonly now?: () => number;
  /** Computes the BodyInfo kept beside each new body (the MIME room's parser). */
  readonly analyze?: (body: Uint8Array) => BodyInfo;
  /** Test hook: make chosen disk steps fail. */
  readonly faults?: FaultInjector;
  /**
   * Free space (bytes) kept for the database: new bodies are refused with
   * DISK_FULL below it, so deletes and flag changes still work on a full disk.
   * Default 64 MiB (more than LevelDB's 4 MiB write buffer needs to compact at open).
   */
  readonly reserveBytes?: number;
  /** Test hook: when bodies move from the database to their files (body-mover.ts). */
  readonly bodyMover?: BodyMoverOptions;
  /** Test hook: the schema migrations to run (default: the firmware's own). */
  readonly migrations?: readonly Migration[];
}

const DEFAULT_RESERVE = 64 * 1024 * 1024;

export async function openStore(options: OpenStoreOptions): Promise<LevelMailStore> {
  const now = options.now ?? Date.now;
  await fs.mkdir(options.dir, { recursive: true });
  const db = new ClassicLevel<string, unknown>(path.join(options.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new PochtaError('STORAGE_FAILURE', `cannot open ${options.dir}: ${String(cause ?? err)}`, { cause: err });
  }
  try {
    const blobs = new BlobFiles(path.join(options.dir, 'blobs'), options.faults);
    await migrate(db, options.migrations, { blobPath: (hash) => blobs.path(hash), analyze: options.analyze });
    await blobs.init();
    const unclean = (await db.get(OPEN_MARKER_KEY)) !== undefined;
    await recover(db, blobs, unclean);
    await db.put(OPEN_MARKER_KEY, now(), { sync: true });
    let core: StoreCore | undefined;
    const commits = new CommitQueue({
      db,
      faults: options.faults,
      emit: (event) => core?.emit(event),
      onFailure: storageError,
    });
    core = new StoreCore({ db, blobs, commits, now, analyze: options.analyze, reserveBytes: options.reserveBytes ?? DEFAULT_RESERVE });
    const mover = new BodyMover(core, options.bodyMover);
    core.mover = mover;
    // Bodies a stop or a crash left in the database move now. Every stale file
    // is cleared BEFORE the mover hears of any: a pass started on the first
    // notices would write files that the rest of this loop then unlinked, and
    // hand the bodies over to files that are gone.
    let waiting = 0;
    for await (const key of db.keys(keys.bodyDatas())) {
      const hash = keys.bodyDataOf(key);
      const record = db.getSync(keys.blob(hash)) as BlobRecord | undefined;
      if (record?.inline) {
        core.inlineBytes += record.size;
        // A file of a body still in the database was written without fsync
        // by a pass that never handed it over: after a power cut it may be
        // empty or short, and readers outside the store open the file first.
        // The database copy is the durable one; the mover writes the file again.
        await blobs.unlink(hash);
      }
      waiting += 1;
    }
    if (waiting > 0) mover.notify(waiting);
    return new LevelMailStore(core, options.dir, mover);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err instanceof PochtaError ? err : storageError(err);
  }
}

// Temp files are always garbage at open (no write is in flight yet). After an
// unclean shutdown, body files without a blob record are too: a change wrote
// its body and died before its batch committed, or committed a delete and died
// before the unlink.
async function recover(db: ClassicLevel<string, unknown>, blobs: BlobFiles, unclean: boolean): Promise<void> {
  for (const name of await blobs.staleTemps()) await blobs.removeTemp(name);
  if (!unclean) return;
  const known = new Set<string>();
  for await (const key of db.keys(keys.blobs())) known.add(keys.blobOf(key));
  for (const hash of await blobs.list()) if (!known.has(hash)) await blobs.unlink(hash);
}

export { restoreBackup } from './backup.ts';
