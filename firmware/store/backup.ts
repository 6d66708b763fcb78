// Backups while the store is in use. LevelDB is read through one iterator,
// which reads from a snapshot taken when it is created, so the copy is one
// consistent moment even while mail keeps arriving. Bodies are immutable, so a
// hard link (or a copy on another filesystem) of each body file the snapshot
// references is exact (bodies kept in the database come with the snapshot); unlinking of bodies is held back until the copy is done
// so none vanishes between the snapshot and its copy.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { PochtaError } from '../errors.ts';
import type { StoreCore } from './core.ts';
import { keys, OPEN_MARKER_KEY } from './keys.ts';
import type { BlobRecord } from './records.ts';

const CHUNK = 1000;

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

async function fsyncPath(target: string): Promise<void> {
  const handle = await fs.open(target, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
    await fs.copyFile(from, to);
    await fsyncPath(to);
  }
}

/** fsync every file and directory under `dir`; returns the number of files. */
async function fsyncTree(dir: string): Promise<number> {
  let files = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files += await fsyncTree(full);
    else {
      await fsyncPath(full);
      files += 1;
    }
  }
  await fsyncPath(dir);
  return files;
}

export async function backup(core: StoreCore, dir: string): Promise<{ files: number; bytes: number }> {
  if (!(await isEmptyDir(dir))) throw new PochtaError('INVALID_ARGUMENT', `backup directory ${dir} is not empty`);
  const release = core.holdCollection();
  try {
    await fs.mkdir(path.join(dir, 'blobs'), { recursive: true });
    const target = new ClassicLevel<string, unknown>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
    await target.open();
    const hashes: string[] = [];
    let inlineBytes = 0;
    const blobRange = keys.blobs();
    try {
      // values copied as stored (JSON records and raw body bytes alike), never decoded
      const raw = { valueEncoding: 'buffer' } as const;
      let chunk: Array<{ type: 'put'; key: string; value: Buffer }> = [];
      for await (const [key, value] of core.db.iterator<string, Buffer>({ keyEncoding: 'utf8', valueEncoding: 'buffer' })) {
        if (key === OPEN_MARKER_KEY) continue;
        if (key >= blobRange.gte && key < blobRange.lt) {
          const record = JSON.parse(value.toString('utf8')) as BlobRecord;
          if (record.inline) inlineBytes += record.size;
          else hashes.push(keys.blobOf(key));
        }
        chunk.push({ type: 'put', key, value });
        if (chunk.length >= CHUNK) {
          await target.batch(chunk, raw);
          chunk = [];
        }
      }
      await target.batch(chunk, { ...raw, sync: true });
    } finally {
      await target.close();
    }
    let bytes = inlineBytes;
    const dirs = new Set<string>();
    for (const hash of hashes) {
      const from = core.blobs.path(hash);
      const sub = path.join(dir, 'blobs', hash.slice(0, 2));
      if (!dirs.has(sub)) {
        await fs.mkdir(sub, { recursive: true });
        dirs.add(sub);
      }
      await linkOrCopy(from, path.join(sub, hash));
      bytes += (await fs.stat(from)).size;
    }
    for (const sub of dirs) await fsyncPath(sub);
    await fsyncPath(path.join(dir, 'blobs'));
    await fsyncPath(dir);
    return { files: hashes.length, bytes };
  } finally {
    await release();
  }
}

/** Copy a backup into an empty (or missing) data directory; the daemon must not be running on it. */
export async function restoreBackup(backupDir: string, dataDir: string): Promise<{ files: number }> {
  if (!(await isEmptyDir(dataDir))) throw new PochtaError('INVALID_ARGUMENT', `data directory ${dataDir} is not empty`);
  const stat = await fs.stat(path.join(backupDir, 'db')).catch(() => undefined);
  if (!stat?.isDirectory()) throw new PochtaError('NOT_FOUND', `${backupDir} holds no backup`);
  await fs.mkdir(dataDir, { recursive: true });
  await fs.cp(path.join(backupDir, 'db'), path.join(dataDir, 'db'), { recursive: true });
  await fs.cp(path.join(backupDir, 'blobs'), path.join(dataDir, 'blobs'), { recursive: true });
  // the restored copy must survive a power cut before the daemon first syncs anything
  const files = await fsyncTree(path.join(dataDir, 'blobs'));
  await fsyncTree(path.join(dataDir, 'db'));
  await fsyncPath(dataDir);
  return { files };
}
