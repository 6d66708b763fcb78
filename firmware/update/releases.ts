// Release directories on the box: /opt/pochta/releases/<version>, with the
// `current` and `previous` symlinks naming one each. Switching is a rename of
// a fresh symlink over the old one, so `current` is never missing or half-made.

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PochtaError } from '../errors.ts';

export type ReleaseLink = 'current' | 'previous';

export interface ReleaseLinks {
  readonly current: string | undefined;
  readonly previous: string | undefined;
}

/** The release names `current` and `previous` point at (undefined where a link is missing). */
export async function readReleaseLinks(root: string): Promise<ReleaseLinks> {
  const read = async (name: ReleaseLink): Promise<string | undefined> => {
    try {
      return basename(await readlink(join(root, name)));
    } catch {
      return undefined;
    }
  };
  return { current: await read('current'), previous: await read('previous') };
}

/** Point `link` at releases/<version> atomically; `undefined` removes the link. */
export async function setReleaseLink(root: string, link: ReleaseLink, version: string | undefined): Promise<void> {
  const path = join(root, link);
  if (version === undefined) {
    await rm(path, { force: true });
    return;
  }
  const tmp = join(root, `.${link}.${process.pid}.tmp`);
  await rm(tmp, { force: true });
  await symlink(join('releases', version), tmp);
  await rename(tmp, path);
}

/** The release names present under releases/ (finished ones only). */
export async function listReleases(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, 'releases'))).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/**
 * Unpack a bundle's payload (gzip'd tar from `offset` to the end of `file`)
 * into releases/<version>, through a hidden staging directory so a half
 * unpacked release never carries a release name.
 */
export async function unpackRelease(root: string, file: string, offset: number, version: string): Promise<string> {
  const releases = join(root, 'releases');
  await mkdir(releases, { recursive: true });
  const staging = join(releases, `.${version}.${process.pid}.partial`);
  const target = join(releases, version);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  try {
    await untar(file, offset, staging);
    await checkReleaseTree(staging, version);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return target;
}

function untar(file: string, offset: number, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-xzf', '-', '-C', dest, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new PochtaError('INVALID_ARGUMENT', `unpacking the bundle failed: ${stderr.trim() || `tar exit ${code}`}`)),
    );
    // A closed pipe (tar failed early) shows up as tar's exit status above.
    tar.stdin.on('error', () => {});
    createReadStream(file, { start: offset }).on('error', reject).pipe(tar.stdin);
  });
}

/** A release tree has its Node, the CLI entry and a release.json naming itself. */
export async function checkReleaseTree(dir: string, version: string): Promise<void> {
  try {
    await access(join(dir, 'node', 'bin', 'node'), constants.X_OK);
    await access(join(dir, 'app', 'bin', 'pochta.js'), constants.R_OK);
  } catch {
    throw new PochtaError('INVALID_ARGUMENT', 'the bundle does not hold a release (node/bin/node and app/bin/pochta.js)');
  }
  let info: { version?: unknown };
  try {
    info = JSON.parse(await readFile(join(dir, 'release.json'), 'utf8')) as { version?: unknown };
  } catch {
    throw new PochtaError('INVALID_ARGUMENT', 'the bundle has no readable release.json');
  }
  if (info.version !== version) {
    throw new PochtaError('INVALID_ARGUMENT', `release.json names ${String(info.version)}, the manifest ${version}`);
  }
}

/** Remove every release except the ones named (the running one and the one to go back to). */
export async function pruneReleases(root: string, keep: ReadonlyArray<string | undefined>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listReleases(root)) {
    if (keep.includes(name)) continue;
    await rm(join(root, 'releases', name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
