// A restore uploaded while the daemon runs is staged, not applied: LevelDB is
// open and every listener uses it. On the next start, before the store opens,
// applyStagedRestore() moves the current data aside (kept, never deleted) and
// puts the backup's db/ and blobs/ in its place.

import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PochtaError } from '../errors.ts';
import type { Logger } from '../supervisor/service.ts';
import { readTar } from './tar.ts';

/** Where a staged restore waits, inside the data dir. */
export function stagedRestorePaths(dataDir: string): { dir: string; tar: string; info: string } {
  const dir = join(dataDir, 'restore-staged');
  return { dir, tar: join(dir, 'backup.tar'), info: join(dir, 'staged.json') };
}

export interface StagedRestoreInfo {
  readonly stagedAt: number;
  readonly bytes: number;
}

/** Is this tar a Pochta backup (db/ with a LevelDB CURRENT file, and blobs/)? INVALID_ARGUMENT naming `file` otherwise. */
export async function checkBackupTar(file: string): Promise<void> {
  const entries = await readTar(file);
  const names = new Set(entries.map((e) => e.name.replace(/\/$/, '')));
  if (!names.has('db/CURRENT') || ![...names].some((n) => n === 'blobs' || n.startsWith('blobs/'))) {
    throw new PochtaError('INVALID_ARGUMENT', 'file: this is not a Pochta backup (it has no db/ and blobs/)');
  }
}

export async function readStagedRestore(dataDir: string): Promise<StagedRestoreInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(stagedRestorePaths(dataDir).info, 'utf8')) as StagedRestoreInfo;
    await stat(stagedRestorePaths(dataDir).tar);
    return info;
  } catch {
    return undefined;
  }
}

/** Mark an uploaded and checked tar (already at paths.tar) as staged. */
export async function markStaged(dataDir: string, info: StagedRestoreInfo): Promise<void> {
  await writeFile(stagedRestorePaths(dataDir).info, JSON.stringify(info));
}

export async function cancelStagedRestore(dataDir: string): Promise<void> {
  await rm(stagedRestorePaths(dataDir).dir, { recursive: true, force: true });
}

/**
 * Apply a staged restore, if any; call before the store opens. Returns where
 * the previous data went, or undefined when nothing was staged. A broken
 * staged file is moved aside and the daemon starts on its current data.
 */
export async function applyStagedRestore(
  dataDir: string,
  options: { now?: () => number; log?: Pick<Logger, 'info' | 'warn' | 'error'> } = {},
): Promise<string | undefined> {
  const paths = stagedRestorePaths(dataDir);
  if (!(await readStagedRestore(dataDir))) return undefined;
  const stamp = new Date((options.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
  const extract = join(paths.dir, 'extract');
  await rm(extract, { recursive: true, force: true });
  try {
    await checkBackupTar(paths.tar);
    await readTar(paths.tar, { extractTo: extract });
  } catch (err) {
    options.log?.error({ err: String(err) }, 'staged restore is unusable; starting on the current data');
    await rename(paths.dir, join(dataDir, `restore-failed-${stamp}`));
    return undefined;
  }
  const aside = join(dataDir, `pre-restore-${stamp}`);
  await mkdir(aside, { recursive: true });
  for (const part of ['db', 'blobs']) {
    await rename(join(dataDir, part), join(aside, part)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  for (const part of ['db', 'blobs']) {
    await rename(join(extract, part), join(dataDir, part)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      if (part === 'blobs') return mkdir(join(dataDir, part));
      throw new PochtaError('INVALID_ARGUMENT', 'the staged backup has no db/');
    });
  }
  await rm(paths.dir, { recursive: true, force: true });
  options.log?.info({ previous: aside }, 'restored the staged backup; the previous data is kept');
  return aside;
}
