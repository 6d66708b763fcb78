// Where a scheduled backup can go: drives mounted under /media and /mnt (a
// USB stick, a network share), and whether a chosen folder is there now.
//
// The one rule that matters: a folder is "present" only when it lies on a
// mounted drive that is not the one holding the mail. When a USB stick is
// pulled, /media/usb usually stays behind as an empty folder on the SD card;
// backing up into it would fill the card and protect nothing.

import { constants } from 'node:fs';
import { access, mkdir, readFile, realpath, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly readOnly: boolean;
}

export interface TargetPaths {
  /** The kernel's mount table (default /proc/mounts); tests give a file of their own. */
  readonly mountsFile: string;
  /** Folders whose mounted drives are offered as targets (default /media and /mnt). */
  readonly roots: readonly string[];
}

export const DEFAULT_TARGET_PATHS: TargetPaths = { mountsFile: '/proc/mounts', roots: ['/media', '/mnt'] };

export interface TargetCandidate {
  /** The drive's mount point: a folder the admin can pick (or a folder inside it). */
  readonly path: string;
  readonly device: string;
  readonly fsType: string;
  readonly freeBytes?: number;
  readonly totalBytes?: number;
}

export interface TargetCheck {
  readonly path: string;
  readonly present: boolean;
  /** Why it is not present (or a caution when it is), in plain words. */
  readonly reason?: string;
  /** The mounted drive holding it. */
  readonly drive?: { readonly mountPoint: string; readonly device: string; readonly fsType: string };
  readonly freeBytes?: number;
}

// /proc/mounts escapes space, tab, newline and backslash as octal.
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

/** The mount table; empty when it cannot be read (not Linux): then nothing counts as a separate drive. */
export async function readMounts(file: string): Promise<MountEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType, options] = line.trim().split(/\s+/);
    if (!device || !mountPoint || !fsType) continue;
    mounts.push({
      device: unescapeMount(device),
      mountPoint: unescapeMount(mountPoint),
      fsType,
      readOnly: (options ?? '').split(',').includes('ro'),
    });
  }
  return mounts;
}

// Mounted, but not storage: a backup there would fill the memory or vanish at a restart.
const MEMORY_FS = new Set([
  'tmpfs',
  'ramfs',
  'devtmpfs',
  'proc',
  'sysfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'mqueue',
  'hugetlbfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'autofs',
  'efivarfs',
  'binfmt_misc',
  'rpc_pipefs',
  'overlay',
  'squashfs',
]);

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** The mount holding `path` (the longest mount point that contains it; later mounts hide earlier ones). */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (inside(path, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

async function space(path: string): Promise<{ freeBytes?: number; totalBytes?: number }> {
  try {
    const s = await statfs(path);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return {};
  }
}

async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The real path of `path`'s deepest existing ancestor, with the rest appended (symlinks resolved where they exist). */
async function resolveExisting(path: string): Promise<string> {
  let head = path;
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await realpath(head);
      return tail.length ? `${real === '/' ? '' : real}/${tail.reverse().join('/')}` : real;
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      tail.push(head.slice(parent === '/' ? 1 : parent.length + 1));
      head = parent;
    }
  }
}

/** Drives mounted under the roots that this process can write to, as target suggestions. */
export async function listBackupTargets(paths: TargetPaths): Promise<TargetCandidate[]> {
  const mounts = await readMounts(paths.mountsFile);
  const found: TargetCandidate[] = [];
  for (const m of mounts) {
    if (m.readOnly || MEMORY_FS.has(m.fsType) || !paths.roots.some((root) => m.mountPoint.startsWith(`${root}/`))) continue;
    if (!(await writable(m.mountPoint))) continue;
    found.push({ path: m.mountPoint, device: m.device, fsType: m.fsType, ...(await space(m.mountPoint)) });
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

export interface CheckOptions {
  readonly paths: TargetPaths;
  /** The data dir: a target on its drive is refused. */
  readonly dataDir: string;
  /** Dev mode: a folder on the same disk is accepted (there is no USB drive on a laptop), with a caution. */
  readonly allowSameDisk?: boolean;
  /** Make the folder when it is missing but its drive is mounted (before a run, never just for a look). */
  readonly create?: boolean;
}

/** Is the target folder there, on a drive of its own, writable? Never throws. */
export async function checkBackupTarget(target: string, options: CheckOptions): Promise<TargetCheck> {
  const mounts = await readMounts(options.paths.mountsFile);
  const path = await resolveExisting(target);
  const dataMount = mountOf(mounts, await resolveExisting(options.dataDir));
  const mount = mountOf(mounts, path);
  const drive = mount ? { mountPoint: mount.mountPoint, device: mount.device, fsType: mount.fsType } : undefined;
  const sameDisk = !mount || mount.mountPoint === dataMount?.mountPoint;
  if (sameDisk && !options.allowSameDisk) {
    return {
      path: target,
      present: false,
      reason:
        'Not present: no drive is mounted there, so the folder would be on the box’s own card. Plug in the USB drive (or connect the network share) and check again.',
    };
  }
  if (mount?.readOnly) return { path: target, present: false, drive: drive!, reason: 'The drive is mounted read-only.' };
  if (mount && MEMORY_FS.has(mount.fsType)) {
    return {
      path: target,
      present: false,
      drive: drive!,
      reason: `Not a drive: ${mount.mountPoint} is ${mount.fsType} (the box's memory or system), lost at the next restart.`,
    };
  }
  let exists = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists && options.create && !sameDisk) {
    exists = await mkdir(path, { recursive: true, mode: 0o700 }).then(
      () => true,
      () => false,
    );
  }
  if (!exists) {
    const reason = sameDisk
      ? 'Not present: the folder does not exist.'
      : options.create
        ? 'The folder could not be made on the drive. Check that the drive is not full or write-protected.'
        : 'The drive is there; the folder will be made at the first backup.';
    return { path: target, present: !sameDisk && !options.create, ...(drive ? { drive } : {}), reason };
  }
  if (!(await writable(path))) {
    return {
      path: target,
      present: false,
      ...(drive ? { drive } : {}),
      reason: 'The box may not write into this folder. Check its permissions (the box runs as the user pochta).',
    };
  }
  const { freeBytes } = await space(path);
  return {
    path: target,
    present: true,
    ...(drive ? { drive } : {}),
    ...(freeBytes !== undefined ? { freeBytes } : {}),
    ...(sameDisk ? { reason: 'This folder is on the same disk as the mail (allowed in dev mode only).' } : {}),
  };
}
