// The update room against fake release trees on disk: real bundles (real tar,
// real ed25519 signatures), real symlink switching; only systemd's restart and
// the daemon's health are stand-ins, because they are what is being decided on.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isPochtaError } from '../../firmware/errors.ts';
import {
  applyUpdate,
  generateSigningKeys,
  type HealthReport,
  readReleaseLinks,
  rollbackRelease,
  runUpdateCli,
  type UpdateDeps,
  verifyBundle,
} from '../../firmware/update/index.ts';
import { type UpdateFixtures, updateFixtures } from './update-fixtures.ts';

let dir: string;
const keys = generateSigningKeys();
const otherKeys = generateSigningKeys();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-update-'));
  fx = updateFixtures(dir, keys.privateKeyPem);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fx: UpdateFixtures;
const bundle: UpdateFixtures['bundle'] = (version, opts) => fx.bundle(version, opts);
const appsRoot = (): Promise<string> => fx.appsRoot();

function deps(root: string, healthy: (current: string | undefined) => boolean) {
  const calls = { restarts: 0, ranAfterRestart: [] as (string | undefined)[] };
  const d: UpdateDeps = {
    root,
    publicKey: keys.publicKeyPem,
    restart: async () => {
      calls.restarts++;
    },
    health: async (): Promise<HealthReport> => {
      const { current } = await readReleaseLinks(root);
      calls.ranAfterRestart.push(current);
      return healthy(current) ? { ok: true, detail: `${current} healthy` } : { ok: false, detail: `${current} broken` };
    },
  };
  return { d, calls };
}

describe('bundle signatures', () => {
  test('a bundle signed with the box key verifies and names its release', async () => {
    const file = await bundle('1.2.3-abc');
    const { manifest, payloadOffset } = await verifyBundle(file, keys.publicKeyPem);
    assert.equal(manifest.version, '1.2.3-abc');
    assert.equal(manifest.node, '24.21.0');
    assert.match(manifest.payload.sha256, /^[0-9a-f]{64}$/);
    assert.ok(payloadOffset > 0);
  });

  test('a bundle signed with another key is refused (FORBIDDEN)', async () => {
    const file = await bundle('evil', { key: otherKeys.privateKeyPem });
    await assert.rejects(verifyBundle(file, keys.publicKeyPem), (e) => isPochtaError(e, 'FORBIDDEN'));
  });

  test('a changed manifest breaks the signature', async () => {
    const file = await bundle('v9');
    const bytes = await readFile(file);
    const text = bytes.toString('latin1').replace('"version":"v9"', '"version":"v8"');
    await writeFile(file, Buffer.from(text, 'latin1'));
    await assert.rejects(verifyBundle(file, keys.publicKeyPem), (e) => isPochtaError(e, 'FORBIDDEN'));
  });

  test('a damaged payload is refused by its SHA-256', async () => {
    const file = await bundle('v7');
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await assert.rejects(verifyBundle(file, keys.publicKeyPem), (e) => isPochtaError(e, 'INVALID_ARGUMENT') && /SHA-256/.test(e.message));
  });

  test('a truncated bundle and a file that is no bundle are refused', async () => {
    const file = await bundle('v6');
    await truncate(file, (await readFile(file)).length - 1);
    await assert.rejects(
      verifyBundle(file, keys.publicKeyPem),
      (e) => isPochtaError(e, 'INVALID_ARGUMENT') && /payload is/.test(e.message),
    );
    const junk = join(dir, 'junk.bundle');
    await writeFile(junk, 'hello\nworld\n');
    await assert.rejects(verifyBundle(junk, keys.publicKeyPem), (e) => isPochtaError(e, 'INVALID_ARGUMENT'));
  });
});

describe('apply and roll back', () => {
  test('a healthy update switches current, keeps the old release as previous', async () => {
    const root = await appsRoot();
    const { d, calls } = deps(root, () => true);
    const result = await applyUpdate(await bundle('v2'), d);
    assert.equal(result.outcome, 'updated');
    assert.equal(result.from, 'v1');
    assert.deepEqual(await readReleaseLinks(root), { current: 'v2', previous: 'v1' });
    assert.equal(await readlink(join(root, 'current')), join('releases', 'v2'));
    assert.equal(await readFile(join(root, 'current', 'app', 'bin', 'pochta.js'), 'utf8'), '// release v2\n');
    assert.equal(calls.restarts, 1);
    assert.deepEqual(calls.ranAfterRestart, ['v2']);
  });

  test('an unhealthy update rolls back by itself and removes the broken release', async () => {
    const root = await appsRoot();
    const { d, calls } = deps(root, (current) => current !== 'v3-broken');
    await applyUpdate(await bundle('v2'), d);
    const result = await applyUpdate(await bundle('v3-broken'), d);
    assert.equal(result.outcome, 'rolled-back');
    assert.equal(result.health.ok, false);
    assert.equal(result.rollbackHealth?.ok, true);
    assert.deepEqual(await readReleaseLinks(root), { current: 'v2', previous: 'v1' });
    assert.equal(existsSync(join(root, 'releases', 'v3-broken')), false);
    assert.deepEqual(calls.ranAfterRestart, ['v2', 'v3-broken', 'v2']);
  });

  test('a restart that fails counts as unhealthy', async () => {
    const root = await appsRoot();
    const { d } = deps(root, () => true);
    let n = 0;
    const result = await applyUpdate(await bundle('v4'), {
      ...d,
      restart: async () => {
        if (n++ === 0) throw new Error('Job for pochta.service failed');
      },
    });
    assert.equal(result.outcome, 'rolled-back');
    assert.match(result.health.detail, /restart failed: Job for pochta.service failed/);
    assert.deepEqual(await readReleaseLinks(root), { current: 'v1', previous: undefined });
  });

  test('older releases are pruned: only current and previous stay', async () => {
    const root = await appsRoot();
    const { d } = deps(root, () => true);
    await applyUpdate(await bundle('v2'), d);
    await applyUpdate(await bundle('v3'), d);
    assert.deepEqual(
      execFileSync('ls', [join(root, 'releases')])
        .toString()
        .trim()
        .split('\n'),
      ['v2', 'v3'],
    );
  });

  test('rollback by hand swaps current and previous; without a previous it is NOT_FOUND', async () => {
    const root = await appsRoot();
    const { d, calls } = deps(root, () => true);
    await assert.rejects(rollbackRelease(d), (e) => isPochtaError(e, 'NOT_FOUND'));
    await applyUpdate(await bundle('v2'), d);
    const r = await rollbackRelease(d);
    assert.deepEqual({ from: r.from, to: r.to, ok: r.health.ok }, { from: 'v2', to: 'v1', ok: true });
    assert.deepEqual(await readReleaseLinks(root), { current: 'v1', previous: 'v2' });
    assert.equal(calls.restarts, 2);
  });

  test('refused bundles change nothing: bad signature, same release, inconsistent tree', async () => {
    const root = await appsRoot();
    const { d, calls } = deps(root, () => true);
    await assert.rejects(applyUpdate(await bundle('v5', { key: otherKeys.privateKeyPem }), d), (e) => isPochtaError(e, 'FORBIDDEN'));
    await assert.rejects(applyUpdate(await bundle('v1'), d), (e) => isPochtaError(e, 'ALREADY_EXISTS'));
    await assert.rejects(applyUpdate(await bundle('v6', { releaseJsonVersion: 'other' }), d), (e) => isPochtaError(e, 'INVALID_ARGUMENT'));
    assert.deepEqual(await readReleaseLinks(root), { current: 'v1', previous: undefined });
    assert.deepEqual(
      execFileSync('ls', ['-A', join(root, 'releases')])
        .toString()
        .trim()
        .split('\n'),
      ['v1'],
    );
    assert.equal(calls.restarts, 0);
  });
});

describe('pochta update (CLI)', () => {
  test('status, update, rollback and usage errors with exit codes', async () => {
    const root = await appsRoot();
    const keyFile = join(dir, 'update-key.pem');
    await writeFile(keyFile, keys.publicKeyPem);
    let out = '';
    const io = {
      out: (t: string) => (out += t),
      err: () => {},
      restart: async () => {},
      health: async () => ({ ok: true, detail: 'fine' }),
    };
    const base = ['--root', root, '--key', keyFile];
    assert.equal(await runUpdateCli([...base, '--status', '--json'], io), 0);
    assert.deepEqual(JSON.parse(out), { current: 'v1', releases: ['v1'] });
    out = '';
    assert.equal(await runUpdateCli([...base, await bundle('v2')], io), 0);
    assert.match(out, /updated to v2 \(was v1\)/);
    out = '';
    const broken = { ...io, health: async () => ({ ok: false, detail: 'smtp (failed)' }) };
    assert.equal(await runUpdateCli([...base, await bundle('v3')], broken), 1);
    assert.match(out, /FAILED its health check \(smtp \(failed\)\); rolled back to v2/);
    assert.equal(await runUpdateCli([...base, await bundle('v4', { key: otherKeys.privateKeyPem })], io), 1);
    assert.equal(await runUpdateCli([...base, '--rollback'], io), 0);
    assert.deepEqual(await readReleaseLinks(root), { current: 'v1', previous: 'v2' });
    assert.equal(await runUpdateCli([...base], io), 64);
    assert.equal(await runUpdateCli([...base, '--bogus'], io), 64);
  });
});
