// One backup into a target folder: the store's consistent snapshot (the same
// `backup` action the download uses), written as a tar under a temporary name,
// synced, then renamed, so a backup file that exists is always whole; then the
// oldest backups of this box beyond `keep` are deleted.

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { tarDirectory } from '../admin/tar.ts';
import type { BackupRun } from './schedule.ts';
import type { TargetCheck } from './targets.ts';

export interface RunDeps {
  /** Write a consistent snapshot of the store into `dir` (a new folder). */
  readonly snapshot: (dir: string) => Promise<void>;
  /** Scratch folder on the data disk (the snapshot hard-links bodies, so it must be that disk). */
  readonly workDir: string;
  /** The box's host name, in the file names (two boxes may share a network share). */
  readonly hostname: string;
  readonly now: () => number;
  /** Is the target there (making the folder when its drive is)? */
  readonly check: (target: string) => Promise<TargetCheck>;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 20261127-221500Z: sorts by time, same on every box whatever its time zone. */
export function backupStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

const safeHost = (hostname: string) => hostname.replace(/[^A-Za-z0-9.-]/g, '_');

/** Names of this box's finished backups in `dir`, oldest first. */
export async function listBackups(dir: string, hostname: string): Promise<string[]> {
  const pattern = new RegExp(`^pochta-backup-${safeHost(hostname).replace(/\./g, '\\.')}-\\d{8}-\\d{6}Z\\.tar$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => pattern.test(n)).sort();
}

function plainError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return 'The drive is full. Free space on it, or keep fewer backups.';
  if (code === 'EROFS') return 'The drive is write-protected or mounted read-only.';
  if (code === 'EACCES' || code === 'EPERM') return 'The box may not write into this folder (permissions).';
  if (code === 'EIO' || code === 'ENODEV' || code === 'ENOENT')
    return `The drive went away or failed while writing (${code}). Check it is plugged in firmly.`;
  const message = err instanceof Error ? err.message : String(err);
  return `The backup failed: ${message}`;
}

/** Run one backup to `target`, keeping the newest `keep`. Never throws: a failure is a run with `ok: false`. */
export async function runBackup(target: string, keep: number, trigger: BackupRun['trigger'], deps: RunDeps): Promise<BackupRun> {
  const startedAt = deps.now();
  const host = safeHost(deps.hostname);
  const fail = (error: string): BackupRun => ({ startedAt, finishedAt: deps.now(), ok: false, error, trigger });

  const where = await deps.check(target);
  if (!where.present) return fail(where.reason ?? 'The folder is not there.');

  // A run cut short (the box lost power, the stick was pulled) leaves its temporary file: it is never a backup.
  const names = await readdir(target).catch(() => [] as string[]);
  for (const n of names) {
    if (n.startsWith(`.pochta-backup-${host}-`) && n.endsWith('.partial')) await rm(join(target, n), { force: true });
  }

  const name = `pochta-backup-${host}-${backupStamp(startedAt)}.tar`;
  const final = join(target, name);
  const temp = join(target, `.${name}.partial`);
  await mkdir(deps.workDir, { recursive: true, mode: 0o700 }).catch(() => undefined);
  let scratch: string | undefined;
  try {
    scratch = await mkdtemp(join(deps.workDir, 'schedule-'));
    const snapshot = join(scratch, 'snapshot');
    await deps.snapshot(snapshot);
    await pipeline(tarDirectory(snapshot), createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
    // On disk before the name says "backup": a power cut now leaves only the .partial.
    const file = await open(temp, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    const bytes = (await stat(temp)).size;
    await rename(temp, final);
    await syncDir(target);
    const pruned = await prune(target, deps.hostname, keep);
    return { startedAt, finishedAt: deps.now(), ok: true, file: final, bytes, trigger, ...(pruned.length ? { pruned } : {}) };
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    return fail(plainError(err));
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  // Some file systems (vfat over some USB bridges, CIFS) refuse a directory fsync; the file itself is synced.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // see above
  }
}

/** Delete this box's oldest backups beyond `keep`; answers their names. */
async function prune(dir: string, hostname: string, keep: number): Promise<string[]> {
  const all = await listBackups(dir, hostname);
  const old = all.slice(0, Math.max(0, all.length - keep));
  for (const n of old) await rm(join(dir, n), { force: true });
  return old;
}
