// `pochta update --request DIR`: the root side of "update from the web UI",
// against real request directories, real signed bundles and real release
// trees; only systemd's restart and the daemon's health are stand-ins. Covers
// run-once claiming, status.json as the web UI reads it, deleting the upload,
// and the refusals that keep the daemon's user from steering root.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CLAIMED_FILE,
  generateSigningKeys,
  type HealthReport,
  REQUEST_FILE,
  readReleaseLinks,
  runUpdateCli,
  STATUS_FILE,
  setReleaseLink,
  type UpdateStatus,
} from '../../firmware/update/index.ts';
import { type UpdateFixtures, updateFixtures } from './update-fixtures.ts';

const keys = generateSigningKeys();
const otherKeys = generateSigningKeys();
let dir: string;
let keyFile: string;
let fx: UpdateFixtures;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-update-request-'));
  // Traversable by the unprivileged owner of a request dir (the identity test).
  await chmod(dir, 0o755);
  keyFile = join(dir, 'update-key.pem');
  await writeFile(keyFile, keys.publicKeyPem);
  fx = updateFixtures(dir, keys.privateKeyPem);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Box {
  root: string;
  req: string;
  incoming: string;
  restarts: number;
  /** status.json as it was each time the health check ran (the web UI's view mid-update). */
  seenMidway: UpdateStatus[];
  run(opts?: { healthy?: (current: string | undefined) => boolean; key?: string }): Promise<{ code: number; out: string }>;
  status(): Promise<UpdateStatus>;
  /** What the web UI does: the bundle into incoming/, then request.json, both temp-then-rename. */
  request(bundlePath: string): Promise<void>;
}

async function box(): Promise<Box> {
  const root = await fx.appsRoot();
  const req = await mkdtemp(join(dir, 'update-'));
  await chmod(req, 0o750);
  const incoming = join(req, 'incoming');
  await mkdir(incoming);
  const b: Box = {
    root,
    req,
    incoming,
    restarts: 0,
    seenMidway: [],
    async run(opts = {}) {
      let out = '';
      const healthy = opts.healthy ?? (() => true);
      const code = await runUpdateCli(['--request', req, '--root', root, '--key', opts.key ?? keyFile, '--json'], {
        out: (t) => (out += t),
        err: () => {},
        restart: async () => {
          b.restarts++;
        },
        health: async (): Promise<HealthReport> => {
          b.seenMidway.push(await b.status());
          const { current } = await readReleaseLinks(root);
          return healthy(current) ? { ok: true, detail: `${current} healthy` } : { ok: false, detail: `${current} broken` };
        },
        now: () => new Date('2026-11-27T23:00:00.000Z'),
      });
      return { code, out };
    },
    async status() {
      return JSON.parse(await readFile(join(req, STATUS_FILE), 'utf8')) as UpdateStatus;
    },
    async request(bundlePath) {
      const tmp = join(req, `.request.${Math.random()}`);
      await writeFile(tmp, JSON.stringify({ bundle: bundlePath, requestedAt: '2026-11-27T22:59:00.000Z' }));
      await rename(tmp, join(req, REQUEST_FILE));
    },
  };
  return b;
}

/** A signed bundle of `version` uploaded into the box's incoming/. */
async function upload(b: Box, version: string, opts: { key?: string } = {}): Promise<string> {
  const out = join(b.incoming, `1764284400000-${version}.bundle`);
  await fx.bundle(version, { ...opts, out });
  return out;
}

describe('update requests from the web UI', () => {
  test('installs the bundle once, reports progress and the outcome, deletes the upload', async () => {
    const b = await box();
    const file = await upload(b, 'v2');
    await b.request(file);

    const first = await b.run();
    assert.equal(first.code, 0, first.out);
    const status = await b.status();
    assert.deepEqual(
      { ...status, message: undefined },
      {
        state: 'installed',
        bundle: file,
        version: 'v2',
        message: undefined,
        startedAt: '2026-11-27T23:00:00.000Z',
        finishedAt: '2026-11-27T23:00:00.000Z',
      },
    );
    assert.match(status.message, /release v2 is running \(was v1\): v2 healthy/);
    assert.deepEqual(JSON.parse(first.out), status);
    // While the new release was being checked, the web UI saw it running, with the step.
    assert.equal(b.seenMidway[0]?.state, 'running');
    assert.equal(b.seenMidway[0]?.version, 'v2');
    assert.match(b.seenMidway[0]?.message ?? '', /switched current to v2/);

    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v2', previous: 'v1' });
    assert.equal(existsSync(file), false, 'the upload is deleted');
    assert.equal(existsSync(join(b.req, REQUEST_FILE)), false);
    assert.equal(existsSync(join(b.req, CLAIMED_FILE)), false);

    // Claimed once: a second run (the path unit firing again) finds nothing to do.
    const second = await b.run();
    assert.equal(second.code, 0);
    assert.deepEqual(JSON.parse(second.out), { state: 'none' });
    assert.equal(b.restarts, 1);
    assert.equal((await b.status()).state, 'installed');
  });

  test('an unhealthy release rolls back: state rolled-back, the old release runs, the upload is gone', async () => {
    const b = await box();
    const file = await upload(b, 'v3-broken');
    await b.request(file);
    const r = await b.run({ healthy: (current) => current !== 'v3-broken' });
    assert.equal(r.code, 1);
    const status = await b.status();
    assert.equal(status.state, 'rolled-back');
    assert.equal(status.version, 'v3-broken');
    assert.match(status.message, /release v3-broken was not healthy \(v3-broken broken\); back on v1: v1 healthy/);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v1', previous: undefined });
    assert.equal(existsSync(file), false);
  });

  test('a bundle signed with another key fails, changes nothing, and is deleted', async () => {
    const b = await box();
    const file = await upload(b, 'v4', { key: otherKeys.privateKeyPem });
    await b.request(file);
    assert.equal((await b.run()).code, 1);
    const status = await b.status();
    assert.equal(status.state, 'failed');
    assert.equal(status.version, undefined);
    assert.match(status.message, /signature/i);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v1', previous: undefined });
    assert.equal(b.restarts, 0);
    assert.equal(existsSync(file), false);
  });

  test('bundles outside incoming/ are refused and left alone: elsewhere, ../, a symlink, a symlinked incoming/', async () => {
    const b = await box();
    const outside = join(dir, 'outside');
    await mkdir(outside, { recursive: true });
    const good = join(outside, 'v5.bundle');
    await fx.bundle('v5', { out: good });

    const cases: string[] = [];
    cases.push(good); // anywhere else on the box
    await copyFile(good, join(b.req, 'beside.bundle'));
    cases.push(join(b.incoming, '..', 'beside.bundle')); // climbing out of incoming/
    await symlink(good, join(b.incoming, 'link.bundle'));
    cases.push(join(b.incoming, 'link.bundle')); // a symlink planted in incoming/
    for (const bundle of cases) {
      await b.request(bundle);
      assert.equal((await b.run()).code, 1, bundle);
      const status = await b.status();
      assert.equal(status.state, 'failed', bundle);
      assert.match(status.message, /must be a file in .*incoming/, bundle);
    }
    // incoming/ itself replaced by a symlink to another directory.
    await rm(b.incoming, { recursive: true });
    await symlink(outside, b.incoming);
    await b.request(join(b.incoming, 'v5.bundle'));
    assert.equal((await b.run()).code, 1);
    assert.match((await b.status()).message, /must be a file in/);

    assert.equal(existsSync(good), true, 'a file outside incoming/ is never deleted');
    assert.equal(existsSync(join(b.req, 'beside.bundle')), true);
    assert.equal(b.restarts, 0);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v1', previous: undefined });
  });

  test('a malformed request fails with a reason and is not retried', async () => {
    const b = await box();
    for (const body of ['not json', JSON.stringify({ bundle: 'relative/path.bundle' }), JSON.stringify({ nobundle: true })]) {
      await writeFile(join(b.req, REQUEST_FILE), body);
      assert.equal((await b.run()).code, 1);
      const status = await b.status();
      assert.equal(status.state, 'failed');
      assert.match(status.message, /bad update request/);
      assert.equal(existsSync(join(b.req, CLAIMED_FILE)), false);
      assert.deepEqual(JSON.parse((await b.run()).out), { state: 'none' });
    }
  });

  test('a request claimed by a run that never finished is reported as interrupted', async () => {
    const b = await box();
    const file = await upload(b, 'v6');
    await writeFile(join(b.req, CLAIMED_FILE), JSON.stringify({ bundle: file, requestedAt: 'x' }));
    await mkdir(join(b.root, '.update-leftover'));
    assert.equal((await b.run()).code, 1);
    const status = await b.status();
    assert.equal(status.state, 'failed');
    assert.match(status.message, /interrupted.*running release v1/);
    assert.equal(existsSync(join(b.req, CLAIMED_FILE)), false);
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(join(b.root, '.update-leftover')), false, 'the dead run’s private copy is removed');
  });

  /** A box cut short after switching to `version` (current = version, previous = the one before), as a power cut leaves it. */
  async function cutShortAfterSwitch(b: Box, installed: string[], version: string): Promise<string> {
    for (const v of [...installed, version]) await cp(await fx.releaseTree(v), join(b.root, 'releases', v), { recursive: true });
    await setReleaseLink(b.root, 'previous', installed.at(-1) ?? 'v1');
    await setReleaseLink(b.root, 'current', version);
    const file = await upload(b, version);
    await writeFile(join(b.req, CLAIMED_FILE), JSON.stringify({ bundle: file, requestedAt: 'x' }));
    const running: UpdateStatus = { state: 'running', bundle: file, version, message: 'switched', startedAt: 'x' };
    await writeFile(join(b.req, STATUS_FILE), JSON.stringify(running));
    return file;
  }

  test('an update cut short after the switch is finished at boot: healthy, it stays', async () => {
    const b = await box();
    const file = await cutShortAfterSwitch(b, [], 'v2');
    assert.equal((await b.run()).code, 0);
    const status = await b.status();
    assert.equal(status.state, 'installed');
    assert.match(status.message, /release v2 is running after an interrupted update: v2 healthy/);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v2', previous: 'v1' });
    assert.equal(b.restarts, 0, 'the boot already started it');
    assert.equal(existsSync(file), false);
  });

  test('an update cut short after the switch is finished at boot: unhealthy, it is rolled back and removed', async () => {
    const b = await box();
    await cutShortAfterSwitch(b, ['v2'], 'v3');
    await mkdir(join(b.root, 'releases', '.v3.123.partial'));
    const r = await b.run({ healthy: (current) => current !== 'v3' });
    assert.equal(r.code, 1);
    const status = await b.status();
    assert.equal(status.state, 'rolled-back');
    assert.match(status.message, /release v3 was not healthy after an interrupted update \(v3 broken\); back on v2: v2 healthy/);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v2', previous: 'v1' });
    assert.deepEqual((await readdir(join(b.root, 'releases'))).sort(), ['v1', 'v2']);
    assert.equal(b.restarts, 1);
  });

  test('without the box key the request is still answered (failed), so the path unit does not loop', async () => {
    const b = await box();
    const file = await upload(b, 'v7');
    await b.request(file);
    assert.equal((await b.run({ key: join(dir, 'no-such-key.pem') })).code, 1);
    assert.match((await b.status()).message, /update key/);
    assert.equal(existsSync(join(b.req, REQUEST_FILE)), false);
  });

  const asRoot = process.geteuid?.() === 0;
  test("as root, everything inside the request dir happens as the dir's owner", {
    skip: asRoot ? false : 'needs root (seteuid to the request dir owner)',
  }, async () => {
    const nobody = 65534;
    const b = await box();
    await chown(b.req, nobody, nobody);
    await chown(b.incoming, nobody, nobody);
    const file = await upload(b, 'v8');
    await chown(file, nobody, nobody);
    await b.request(file);
    await chown(join(b.req, REQUEST_FILE), nobody, nobody);
    assert.equal((await b.run()).code, 0);
    assert.equal((await stat(join(b.req, STATUS_FILE))).uid, nobody, 'status.json written as the owner');
    assert.equal(process.geteuid?.(), 0, 'back to root afterwards');

    // A file the owner cannot read is not read by root on its behalf.
    const secret = await upload(b, 'v9');
    await chmod(secret, 0o600); // root's, not the owner's
    await b.request(secret);
    await chown(join(b.req, REQUEST_FILE), nobody, nobody);
    assert.equal((await b.run()).code, 1);
    assert.match((await b.status()).message, /EACCES|permission denied/i);
    assert.deepEqual(await readReleaseLinks(b.root), { current: 'v8', previous: 'v1' });
  });
});
