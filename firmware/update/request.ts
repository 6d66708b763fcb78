// The root side of "update from the web UI". The daemon (user pochta) cannot
// install releases, so its web UI only drops a request into the data dir:
//
//   DIR/incoming/<ts>.bundle   the uploaded bundle
//   DIR/request.json           {"bundle": "<absolute path>", "requestedAt": "<ISO>"}
//
// and a root unit (image/systemd/pochta-update.path + .service) runs
// `pochta update --request DIR`, which claims the request (a rename, so it runs
// once), reports progress in DIR/status.json, applies the bundle with
// applyUpdate and deletes it afterwards.
//
// DIR belongs to the daemon's user, which must not be able to steer root: every
// file operation inside DIR runs with the effective uid/gid of DIR's owner (so a
// symlink planted there reaches nothing that user could not reach already), the
// bundle must be a plain file directly in DIR/incoming (realpath check), and it
// is copied into a root-only directory before it is verified, so the bytes that
// were verified are the bytes installed.
//
// A run cut short (power cut) leaves the claimed request behind; the path unit
// starts the next run at boot, which finishes the job: when the box already
// runs the new release, its health decides between keeping it and rolling
// back, otherwise the request is answered 'failed' ("interrupted").

import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { PochtaError } from '../errors.ts';
import { applyUpdate, resumeInterruptedUpdate, type UpdateDeps, type UpdateResult } from './apply.ts';
import { verifyBundle } from './bundle.ts';
import { readReleaseLinks } from './releases.ts';

export type UpdateState = 'waiting' | 'running' | 'installed' | 'rolled-back' | 'failed';

/** DIR/status.json, read by the web UI. */
export interface UpdateStatus {
  readonly state: UpdateState;
  /** The bundle path as the request named it. */
  readonly bundle: string;
  /** The release the bundle carries, once its signature was checked. */
  readonly version?: string;
  /** One line for the office manager: what is happening, or what happened. */
  readonly message: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

export interface UpdateRequestOptions {
  /** The request directory (on the box /var/lib/pochta/update). */
  readonly dir: string;
  /** What applyUpdate needs; its `root` (the release tree, root-owned) also holds the private copy of the bundle. */
  readonly deps: UpdateDeps;
  readonly now?: () => Date;
}

/** Names inside the request directory. */
export const REQUEST_FILE = 'request.json';
export const CLAIMED_FILE = 'request.claimed.json';
export const STATUS_FILE = 'status.json';
export const INCOMING_DIR = 'incoming';

/**
 * Handle the pending request in `dir`, if any. Resolves with the final status
 * written (undefined when there was nothing to do). A request left claimed by
 * a run that never finished (power cut, killed) is reported as failed. Never
 * throws for a bad request: that is a 'failed' status the web UI shows.
 */
export async function runUpdateRequest(options: UpdateRequestOptions): Promise<UpdateStatus | undefined> {
  const now = options.now ?? (() => new Date());
  const dir = options.dir;
  const owner = ownerOf(dir);
  const inDir = <T>(fn: () => T): T => asIdentity(owner, fn);
  const writeStatus = (status: UpdateStatus): UpdateStatus => {
    inDir(() => writeJsonAtomic(join(dir, STATUS_FILE), status));
    return status;
  };

  removeStaleCopies(options.deps.root);
  const claimed = join(dir, CLAIMED_FILE);
  const claim = inDir(() => {
    try {
      renameSync(join(dir, REQUEST_FILE), claimed);
      return 'claimed' as const;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return lstatOrUndefined(claimed) ? ('stale' as const) : ('none' as const);
    }
  });
  if (claim === 'none') return undefined;

  const startedAt = now().toISOString();
  let bundle = '';
  try {
    bundle = inDir(() => parseRequest(claimed));
  } catch (err) {
    inDir(() => rmSync(claimed, { force: true }));
    return writeStatus({
      state: 'failed',
      bundle,
      message: `bad update request: ${oneLine(err)}`,
      startedAt,
      finishedAt: now().toISOString(),
    });
  }

  const finish = (status: Omit<UpdateStatus, 'bundle' | 'startedAt' | 'finishedAt'>): UpdateStatus => {
    // The uploaded bundle goes whatever happened: it is large and the data partition is the mail's.
    inDir(() => {
      if (insideIncoming(dir, bundle)) rmSync(bundle, { force: true });
      rmSync(claimed, { force: true });
    });
    return writeStatus({ ...status, bundle, startedAt, finishedAt: now().toISOString() });
  };

  if (claim === 'stale') {
    // Cut short after the switch? Then only the health check and maybe the roll back are left to do.
    const last = inDir(() => readStatus(join(dir, STATUS_FILE)));
    const version = last?.state === 'running' ? last.version : undefined;
    const resumed = version === undefined ? undefined : await resumeInterruptedUpdate(version, options.deps);
    if (resumed?.outcome === 'updated')
      return finish({
        state: 'installed',
        version,
        message: `release ${version} is running after an interrupted update: ${resumed.health.detail}`,
      });
    if (resumed)
      return finish({
        state: 'rolled-back',
        version,
        message: `release ${version} was not healthy after an interrupted update (${resumed.health.detail}); back on ${resumed.from}: ${resumed.rollbackHealth?.detail ?? ''}`,
      });
    const { current } = await readReleaseLinks(options.deps.root);
    return finish({
      state: 'failed',
      message: `the update was interrupted (the box restarted or the updater stopped); running release ${current ?? 'unknown'}`,
    });
  }

  let work: string | undefined;
  try {
    if (options.deps.publicKey === '') throw new PochtaError('BAD_CONFIG', "cannot read this box's update key");
    writeStatus({ state: 'waiting', bundle, message: 'checking the bundle', startedAt });
    const fd = inDir(() => openBundle(dir, bundle));
    try {
      // Root-only copy: nothing the daemon's user does to the upload from here on changes what is installed.
      work = mkdtempSync(join(options.deps.root, '.update-'));
      copyFd(fd, join(work, 'bundle'));
    } finally {
      closeSync(fd);
    }
    const copy = join(work, 'bundle');
    const { manifest } = await verifyBundle(copy, options.deps.publicKey);
    const version = manifest.version;
    writeStatus({ state: 'running', bundle, version, message: `installing release ${version}`, startedAt });

    const result: UpdateResult = await applyUpdate(copy, {
      ...options.deps,
      log: (line) => {
        options.deps.log?.(line);
        // Progress for the web UI between applyUpdate's steps (no file operation of its own is in flight then).
        writeStatus({ state: 'running', bundle, version, message: line, startedAt });
      },
    });
    return finish(
      result.outcome === 'updated'
        ? { state: 'installed', version, message: `release ${version} is running (was ${result.from ?? '-'}): ${result.health.detail}` }
        : {
            state: 'rolled-back',
            version,
            message: `release ${version} was not healthy (${result.health.detail}); back on ${result.from ?? '-'}: ${result.rollbackHealth?.detail ?? ''}`,
          },
    );
  } catch (err) {
    return finish({ state: 'failed', message: oneLine(err) });
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/** The last status written, if it is readable (it is the daemon user's file: trust only its shape). */
function readStatus(path: string): Partial<UpdateStatus> | undefined {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > 64 * 1024) return undefined;
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { state, version } = value as { state?: unknown; version?: unknown };
    return {
      ...(typeof state === 'string' ? { state: state as UpdateState } : {}),
      ...(typeof version === 'string' ? { version } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Private copies left by a run that died (runs never overlap: one oneshot unit). */
function removeStaleCopies(root: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => n.startsWith('.update-'));
  } catch {}
  for (const n of names) rmSync(join(root, n), { recursive: true, force: true });
  // And a half-unpacked release of a run that died while unpacking.
  try {
    names = readdirSync(join(root, 'releases')).filter((n) => n.startsWith('.') && n.endsWith('.partial'));
  } catch {
    names = [];
  }
  for (const n of names) rmSync(join(root, 'releases', n), { recursive: true, force: true });
}

/** The request's bundle path; throws on anything but {"bundle": "<absolute path>", ...}. */
function parseRequest(path: string): string {
  // A FIFO or a huge file planted as the request must not hang or swamp the updater.
  const st = lstatSync(path);
  if (!st.isFile() || st.size > 64 * 1024) throw new PochtaError('INVALID_ARGUMENT', 'the request is not a small plain file');
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const bundle = typeof value === 'object' && value !== null ? (value as { bundle?: unknown }).bundle : undefined;
  if (typeof bundle !== 'string' || !isAbsolute(bundle))
    throw new PochtaError('INVALID_ARGUMENT', 'expected {"bundle": "<absolute path>"}');
  return bundle;
}

/** Whether `bundle` names a plain file directly inside DIR/incoming, which must itself be a real directory. */
function insideIncoming(dir: string, bundle: string): boolean {
  const incoming = join(dir, INCOMING_DIR);
  const inc = lstatOrUndefined(incoming);
  if (!inc?.isDirectory()) return false;
  const file = lstatOrUndefined(bundle);
  if (!file?.isFile()) return false;
  try {
    return dirname(realpathSync(bundle)) === realpathSync(incoming);
  } catch {
    return false;
  }
}

/** Open the bundle for reading (as DIR's owner), refusing anything outside DIR/incoming or not a plain file. */
function openBundle(dir: string, bundle: string): number {
  if (!insideIncoming(dir, bundle)) throw new PochtaError('FORBIDDEN', `the bundle must be a file in ${join(dir, INCOMING_DIR)}`);
  // O_NOFOLLOW: the checked name cannot have become a symlink since.
  const fd = openSync(bundle, constants.O_RDONLY | constants.O_NOFOLLOW);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new PochtaError('FORBIDDEN', 'the bundle is not a plain file');
  }
  return fd;
}

function copyFd(fd: number, to: string): void {
  const out = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) writeSync(out, buf, 0, n);
  } finally {
    closeSync(out);
  }
}

/** Temp file then rename: the web UI never reads half a status. */
function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}

interface Identity {
  readonly uid: number;
  readonly gid: number;
}

/** DIR's owner when we are root and it is someone else; undefined means "act as ourselves". */
function ownerOf(dir: string): Identity | undefined {
  const st = statSync(dir);
  if (!st.isDirectory()) throw new PochtaError('INVALID_ARGUMENT', `${dir} is not a directory`);
  if (process.geteuid?.() !== 0 || st.uid === 0) return undefined;
  return { uid: st.uid, gid: st.gid };
}

/**
 * Run `fn` (synchronous, so nothing else of this process runs meanwhile) with
 * the effective ids of `id`, then back to root.
 */
function asIdentity<T>(id: Identity | undefined, fn: () => T): T {
  if (!id || !process.seteuid || !process.setegid || !process.setgroups || !process.getgroups) return fn();
  const groups = process.getgroups();
  // Root's supplementary groups would still count in permission checks.
  process.setgroups([id.gid]);
  process.setegid(id.gid);
  process.seteuid(id.uid);
  try {
    return fn();
  } finally {
    process.seteuid(0);
    process.setegid(0);
    process.setgroups(groups);
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
}
