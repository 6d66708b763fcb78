// Makes a signed update bundle from a staged release tree:
//   node image/tools/make-bundle.ts RELEASE_DIR OUT.bundle PRIVATE.pem
// The payload is a gzip'd tar of the tree (owner root, so the box unpacks it
// as root-owned files), then firmware/update/bundle.ts signs and writes it.

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../firmware/update/index.ts';

const [releaseDir, out, keyPath] = process.argv.slice(2);
if (releaseDir === undefined || out === undefined || keyPath === undefined) {
  process.stderr.write('usage: make-bundle.ts RELEASE_DIR OUT.bundle PRIVATE.pem\n');
  process.exit(64);
}
const info = JSON.parse(await readFile(join(releaseDir, 'release.json'), 'utf8')) as {
  version: string;
  node: string;
  commit: string;
  built: string;
};
const tmp = await mkdtemp(join(process.env['TMPDIR'] ?? tmpdir(), 'pochta-bundle-'));
try {
  const payload = join(tmp, 'payload.tar.gz');
  execFileSync('tar', ['-czf', payload, '--owner=0', '--group=0', '--numeric-owner', '-C', releaseDir, '.']);
  const manifest = await writeBundle(
    out,
    payload,
    { version: info.version, node: info.node, commit: info.commit, created: info.built },
    await readFile(keyPath, 'utf8'),
  );
  process.stdout.write(`${out}: release ${manifest.version}, ${manifest.payload.size} bytes payload, sha256 ${manifest.payload.sha256}\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
