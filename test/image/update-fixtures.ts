// Release trees, signed bundles and apps directories on disk for the update
// tests: real tar, real ed25519 signatures, a shell script standing in for Node.

import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setReleaseLink, writeBundle } from '../../firmware/update/index.ts';

export interface UpdateFixtures {
  /** A release tree as build-image.sh stages it. */
  releaseTree(version: string, releaseJsonVersion?: string): Promise<string>;
  /** A bundle of release `version`, signed with the fixtures' key unless `key` is given; `out` names the file. */
  bundle(version: string, opts?: { key?: string; releaseJsonVersion?: string; out?: string }): Promise<string>;
  /** An apps dir with release `v1` installed and current, as a fresh image has it. */
  appsRoot(): Promise<string>;
}

export function updateFixtures(dir: string, privateKeyPem: string): UpdateFixtures {
  const releaseTree = async (version: string, releaseJsonVersion = version): Promise<string> => {
    const tree = join(dir, 'trees', version);
    await mkdir(join(tree, 'node', 'bin'), { recursive: true });
    await mkdir(join(tree, 'app', 'bin'), { recursive: true });
    await writeFile(join(tree, 'node', 'bin', 'node'), '#!/bin/sh\necho fake node\n');
    await chmod(join(tree, 'node', 'bin', 'node'), 0o755);
    await writeFile(join(tree, 'app', 'bin', 'pochta.js'), `// release ${version}\n`);
    await writeFile(
      join(tree, 'release.json'),
      JSON.stringify({ version: releaseJsonVersion, node: '24.21.0', commit: 'abc', built: 'now' }),
    );
    return tree;
  };
  return {
    releaseTree,
    async bundle(version, opts = {}) {
      const tree = await releaseTree(version, opts.releaseJsonVersion);
      const payload = join(dir, `${version}.tar.gz`);
      execFileSync('tar', ['-czf', payload, '-C', tree, '.']);
      const out = opts.out ?? join(dir, `${version}-${Math.random().toString(36).slice(2)}.bundle`);
      await writeBundle(out, payload, { version, node: '24.21.0', commit: 'abc', created: 'now' }, opts.key ?? privateKeyPem);
      return out;
    },
    async appsRoot() {
      const root = await mkdtemp(join(dir, 'opt-'));
      const tree = await releaseTree('v1');
      await mkdir(join(root, 'releases'));
      execFileSync('cp', ['-a', tree, join(root, 'releases', 'v1')]);
      await setReleaseLink(root, 'current', 'v1');
      return root;
    },
  };
}
