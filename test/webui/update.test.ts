// Update from the web UI: the upload stores a real signed bundle under
// <data>/update/incoming/ and writes <data>/update/request.json for the root
// side (the box's path unit running `pochta update --request`), each through a
// temporary name; what that side reports in status.json is shown; refused
// without a session, the CSRF header, the confirmation, or when not a bundle or
// too big. One upload goes over a real socket with a streamed body.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSigningKeys, readReleaseLinks, runUpdateCli, writeBundle } from '../../firmware/update/index.ts';
import { type UpdateFixtures, updateFixtures } from '../image/update-fixtures.ts';
import { type Client, completeSetup, type Harness, startHarness } from './support.ts';

describe('update from the web UI', () => {
  let h: Harness;
  let admin: Client;
  let work: string;
  let bundle: Buffer;
  let updateDir: string;
  const clock = Date.UTC(2026, 10, 27, 23, 0, 0);

  // Raw bytes as a browser's fetch(file) sends them (the JSON test client would stringify a Buffer).
  const upload = async (body: Buffer | string, headers: Record<string, string> = {}) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/update',
      headers: {
        cookie: admin.cookie!,
        'x-pochta-csrf': admin.csrf,
        'content-type': 'application/octet-stream',
        'x-pochta-confirm': 'update',
        ...headers,
      },
      payload: body,
    });
    return { status: res.statusCode, json: res.json(), body: res.body };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pochta-web-update-'));
    const payload = join(work, 'payload.tar.gz');
    await writeFile(payload, Buffer.alloc(64 * 1024, 7));
    const keys = generateSigningKeys();
    await writeBundle(
      join(work, 'release.bundle'),
      payload,
      { version: '0.2.0', node: '24.21.0', commit: 'abc1234', created: new Date(clock).toISOString() },
      keys.privateKeyPem,
    );
    bundle = await readFile(join(work, 'release.bundle'));
    h = await startHarness({ dev: false, deps: { now: () => clock, update: { maxBytes: 256 * 1024 } } });
    updateDir = join(h.deps.dataDir, 'update');
    admin = await completeSetup(h);
  });
  after(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  it('shows the running version and no update yet', async () => {
    const res = await admin.req('GET', '/api/update');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.version, '0.0.0-test');
    assert.equal(res.json.installer, 'systemd');
    assert.equal(res.json.status, undefined);
    assert.equal(res.json.maxBytes, 256 * 1024);
  });

  it('refuses without a session, without the CSRF header, unconfirmed, not a bundle, too big; leaves nothing', async () => {
    const stranger = await h.app.inject({
      method: 'POST',
      url: '/api/update',
      headers: { 'content-type': 'application/octet-stream', 'x-pochta-csrf': 'anonymous', 'x-pochta-confirm': 'update' },
      payload: bundle,
    });
    assert.equal(stranger.statusCode, 401);
    const forged = await upload(bundle, { 'x-pochta-csrf': 'not-the-token' });
    assert.equal(forged.status, 403);
    assert.equal(forged.json.error.code, 'CSRF_FAILED');
    const unconfirmed = await upload(bundle, { 'x-pochta-confirm': '' });
    assert.equal(unconfirmed.status, 400);
    assert.equal(unconfirmed.json.error.field, 'confirm');
    const notBundle = await upload('PK\u0003\u0004 a zip file, not a bundle');
    assert.equal(notBundle.status, 400);
    assert.equal(notBundle.json.error.field, 'file');
    const big = await upload(Buffer.concat([bundle, Buffer.alloc(256 * 1024)]));
    assert.equal(big.status, 413);
    assert.deepEqual(await readdir(join(updateDir, 'incoming')).catch(() => []), []);
    assert.deepEqual(
      (await readdir(updateDir).catch(() => [] as string[])).filter((n) => n !== 'incoming'),
      [],
      'no request.json',
    );
  });

  it('stores the bundle and writes request.json naming it by its absolute path', async () => {
    const res = await upload(bundle);
    assert.equal(res.status, 202, res.body);
    const request = JSON.parse(await readFile(join(updateDir, 'request.json'), 'utf8'));
    assert.deepEqual(Object.keys(request).sort(), ['bundle', 'requestedAt']);
    assert.ok(isAbsolute(request.bundle));
    assert.equal(request.bundle, join(updateDir, 'incoming', '20261127T230000000Z.bundle'));
    assert.equal(request.requestedAt, new Date(clock).toISOString());
    assert.deepEqual(await readFile(request.bundle), bundle);
    assert.deepEqual(res.json.request, request);
    assert.deepEqual(await readdir(join(updateDir, 'incoming')), ['20261127T230000000Z.bundle'], 'no temporary file');
    assert.deepEqual((await readdir(updateDir)).sort(), ['incoming', 'request.json']);
  });

  it('shows what the root side reports in status.json; refuses a second upload while it installs', async () => {
    const status = {
      state: 'running',
      bundle: join(updateDir, 'incoming', '20261127T230000000Z.bundle'),
      version: '0.2.0',
      message: 'installing 0.2.0',
      startedAt: new Date(clock).toISOString(),
    };
    await writeFile(join(updateDir, 'status.json'), JSON.stringify(status));
    const shown = await admin.req('GET', '/api/update');
    assert.deepEqual(shown.json.status, status);
    const busy = await upload(bundle);
    assert.equal(busy.status, 409);
    assert.equal(busy.json.error.code, 'UPDATE_IN_PROGRESS');
    await writeFile(
      join(updateDir, 'status.json'),
      JSON.stringify({ ...status, state: 'rolled-back', message: 'health check failed: smtp did not start; back on 0.1.0' }),
    );
    const rolled = await admin.req('GET', '/api/update');
    assert.equal(rolled.json.status.state, 'rolled-back');
    assert.match(rolled.json.status.message, /back on 0\.1\.0/);
    // Garbage from a half-written status never breaks the page.
    await writeFile(join(updateDir, 'status.json'), '{"state":');
    assert.equal((await admin.req('GET', '/api/update')).json.status, undefined);
  });

  it('over a real socket: a streamed (chunked) upload; one past the limit is 413 and leaves nothing', async () => {
    await writeFile(join(updateDir, 'status.json'), JSON.stringify({ state: 'installed', message: 'now on 0.2.0' }));
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    // No content-length: the limit is found while reading.
    const send = (bytes: Buffer) =>
      fetch(`${address}/api/update`, {
        method: 'POST',
        headers: {
          cookie: admin.cookie!,
          'x-pochta-csrf': admin.csrf,
          'x-pochta-confirm': 'update',
          'content-type': 'application/octet-stream',
        },
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 8192)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const big = await send(Buffer.concat([bundle, Buffer.alloc(300 * 1024)]));
    assert.equal(big.status, 413);
    assert.deepEqual(await readdir(join(updateDir, 'incoming')), ['20261127T230000000Z.bundle'], 'only the earlier upload');
    const res = await send(bundle);
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { request: { bundle: string } };
    assert.deepEqual(await readFile(body.request.bundle), bundle);
    // The same clock gives the same name: still exactly one bundle.
    assert.deepEqual(await readdir(join(updateDir, 'incoming')), ['20261127T230000000Z.bundle']);
  });

  it('dev mode says plainly that nothing installs a request', async () => {
    const dev = await startHarness({ dev: true });
    try {
      const c = await completeSetup(dev);
      const res = await c.req('GET', '/api/update');
      assert.equal(res.json.installer, 'absent');
    } finally {
      await dev.close();
    }
  });
});

// Both halves together: what the web UI writes is what `pochta update --request`
// (the root side, run here as this user with stand-ins for systemd's restart and
// the daemon's health) takes, and what it reports is what the page shows.
describe('update from the web UI, with the root side', () => {
  let h: Harness;
  let admin: Client;
  let work: string;
  let keyFile: string;
  let fx: UpdateFixtures;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pochta-web-update-e2e-'));
    await chmod(work, 0o755);
    const keys = generateSigningKeys();
    keyFile = join(work, 'update-key.pem');
    await writeFile(keyFile, keys.publicKeyPem);
    fx = updateFixtures(work, keys.privateKeyPem);
    h = await startHarness({ dev: false });
    admin = await completeSetup(h);
  });
  after(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  const uploadFile = async (file: string) =>
    h.app.inject({
      method: 'POST',
      url: '/api/update',
      headers: {
        cookie: admin.cookie!,
        'x-pochta-csrf': admin.csrf,
        'content-type': 'application/octet-stream',
        'x-pochta-confirm': 'update',
      },
      payload: await readFile(file),
    });
  const rootSide = async (root: string, healthy: boolean) => {
    const code = await runUpdateCli(['--request', join(h.deps.dataDir, 'update'), '--root', root, '--key', keyFile, '--json'], {
      out: () => {},
      err: () => {},
      restart: async () => {},
      health: async () => (healthy ? { ok: true, detail: 'all listeners up' } : { ok: false, detail: 'smtp did not start' }),
    });
    return code;
  };

  it('installed: the request is claimed, the upload deleted, the page shows the new version', async () => {
    const root = await fx.appsRoot();
    const res = await uploadFile(await fx.bundle('v2'));
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(await rootSide(root, true), 0);
    const shown = await admin.req('GET', '/api/update');
    assert.equal(shown.json.request, undefined, 'request.json was claimed');
    assert.equal(shown.json.status.state, 'installed', JSON.stringify(shown.json.status));
    assert.equal(shown.json.status.version, 'v2');
    assert.deepEqual(await readdir(join(h.deps.dataDir, 'update', 'incoming')), [], 'the upload is gone');
    assert.equal((await readReleaseLinks(root)).current, 'v2');
  });

  it('unhealthy after the switch: rolled back, and the page says so', async () => {
    const root = await fx.appsRoot();
    const res = await uploadFile(await fx.bundle('v3'));
    assert.equal(res.statusCode, 202, res.body);
    await rootSide(root, false);
    const shown = await admin.req('GET', '/api/update');
    assert.equal(shown.json.status.state, 'rolled-back', JSON.stringify(shown.json.status));
    assert.equal((await readReleaseLinks(root)).current, 'v1');
    // A new upload is taken again once the installer has finished.
    assert.equal((await uploadFile(await fx.bundle('v4'))).statusCode, 202);
  });
});
