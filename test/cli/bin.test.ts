// bin/pochta.js: runs main on Node 24 itself, and from an older system Node
// re-runs itself with the pinned one.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pochta.js', import.meta.url));

function run(node: string, args: string[]) {
  return spawnSync(node, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('bin/pochta.js', () => {
  it('runs the CLI on Node 24', () => {
    const version = run(process.execPath, ['version']);
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^pochta \d+\.\d+\.\d+\n$/);
    const usage = run(process.execPath, ['no-such-verb']);
    assert.equal(usage.status, 64);
  });

  const system = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path));
  const systemMajor = system
    ? Number(spawnSync(system, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim())
    : 0;
  it('re-runs itself with the pinned Node from an older system Node', {
    skip: !system || systemMajor >= 24 ? 'no older system node here' : false,
  }, () => {
    const status = run(system!, ['status', '--data', '/nonexistent-pochta-dir']);
    assert.equal(status.status, 69, status.stderr);
    assert.match(status.stderr, /daemon is not running/);
  });
});
