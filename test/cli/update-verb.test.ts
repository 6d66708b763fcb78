// `pochta update` is reachable from the main CLI (on the box a shell wrapper
// also runs it directly): status of a release tree, usage errors, and a bundle
// with no valid signature refused without touching the releases.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runPochta } from '../support/daemon.ts';

describe('pochta update through the main CLI', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pochta-update-verb-'));
    await mkdir(path.join(root, 'releases', '0.1.0-a'), { recursive: true });
    await symlink(path.join('releases', '0.1.0-a'), path.join(root, 'current'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('shows the releases with --status --json', async () => {
    const result = await runPochta(['update', '--status', '--json', '--root', root]);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as { current?: string; releases: string[] };
    assert.deepEqual(status.releases, ['0.1.0-a']);
    assert.match(status.current ?? '', /0\.1\.0-a/);
  });

  it('answers a usage error with exit 64 and the usage text', async () => {
    const result = await runPochta(['update']);
    assert.equal(result.code, 64);
    assert.match(result.stderr, /give a bundle FILE, --rollback or --status/);
    assert.match(result.stderr, /usage: pochta update FILE/);
  });

  it('refuses a file that is not a signed bundle and leaves the releases alone', async () => {
    const bogus = path.join(root, 'bogus.bundle');
    await writeFile(bogus, 'not a bundle at all\n');
    const result = await runPochta(['update', bogus, '--root', root, '--key', path.join(root, 'missing-key.pem')]);
    assert.notEqual(result.code, 0);
    const status = JSON.parse((await runPochta(['update', '--status', '--json', '--root', root])).stdout) as { releases: string[] };
    assert.deepEqual(status.releases, ['0.1.0-a']);
  });
});
