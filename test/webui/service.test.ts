// The web Service as the supervisor runs it, in appliance mode: HTTPS on the
// listener's port (plain HTTP there answers /health for the probe and
// redirects everything else), a separate HTTP->HTTPS redirect port, and a
// certificate replaced from the API is served to the next connection.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { type AdminDeps, runAdminAction } from '../../firmware/admin/actions.ts';
import { type AdminServer, startAdminServer } from '../../firmware/admin/socket-server.ts';
import { storeAddresses, storePasswords } from '../../firmware/admin/store-tools.ts';
import { createLogger } from '../../firmware/log.ts';
import { ensureTlsFiles } from '../../firmware/net/tls.ts';
import { openStore } from '../../firmware/store/index.ts';
import type { MailStore } from '../../firmware/store/types.ts';
import type { ListenAddress, Service } from '../../firmware/supervisor/service.ts';
import { createService } from '../../webui/service.ts';
import { freePorts } from '../support/daemon.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const make = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = make(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'GET',
        headers: options.headers,
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function fingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('web Service in appliance mode', () => {
  let dir: string;
  let store: MailStore;
  let adminServer: AdminServer;
  let service: Service;
  let address: ListenAddress;
  let redirectPort: number;
  const tls = () => ({ certPath: join(dir, 'tls', 'cert.pem'), keyPath: join(dir, 'tls', 'key.pem') });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-web-svc-'));
    await ensureTlsFiles({ ...tls(), hostname: 'box.example.test' });
    store = await openStore({ dir: join(dir, 'data') });
    const log = createLogger({ level: 'silent' });
    const deps: AdminDeps = {
      store,
      config: { dev: false, dataDir: join(dir, 'data'), hostname: 'box.example.test' },
      passwords: storePasswords,
      addresses: storeAddresses,
      version: 'test',
      now: Date.now,
    };
    adminServer = await startAdminServer({ path: join(dir, 'admin.sock'), handle: (a, p) => runAdminAction(deps, a, p), log });
    [redirectPort] = (await freePorts(1)) as [number];
    service = await createService({
      name: 'web',
      address: { host: '127.0.0.1', port: 0 },
      store,
      log,
      hostname: 'box.example.test',
      dataDir: join(dir, 'data'),
      tls: tls(),
      dev: false,
      now: Date.now,
      options: { adminSocket: join(dir, 'admin.sock'), redirectPort, staticDir: join(dir, 'no-app') },
    });
    await service.start();
    address = service.address!()!;
  });
  after(async () => {
    await service?.stop(Date.now() + 2000);
    await adminServer?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks HTTPS with secure cookies and HSTS; plain HTTP on the same port gets /health and a redirect', async () => {
    const session = await get(`https://127.0.0.1:${address.port}/api/session`);
    assert.equal(session.status, 200);
    assert.equal(JSON.parse(session.body).setupDone, false);
    assert.match(String(session.headers['strict-transport-security']), /max-age=/);
    const pw = await get(`https://127.0.0.1:${address.port}/api/setup/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pochta-csrf': 'anonymous' },
      body: JSON.stringify({ password: 'Correct-Horse-Battery-42' }),
    });
    assert.equal(pw.status, 200, pw.body);
    assert.match(String(pw.headers['set-cookie']), /; Secure/);

    const health = await get(`http://127.0.0.1:${address.port}/health`);
    assert.equal(health.status, 200);
    const moved = await get(`http://127.0.0.1:${address.port}/users?x=1`, { headers: { host: 'box.local' } });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, `https://box.local:${address.port}/users?x=1`);
  });

  it('redirects the HTTP port to HTTPS', async () => {
    const moved = await get(`http://127.0.0.1:${redirectPort}/settings`, { headers: { host: 'box.local:8000' } });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, `https://box.local:${address.port}/settings`);
    assert.equal((await get(`http://127.0.0.1:${redirectPort}/health`)).status, 200);
  });

  it('serves a replaced certificate to new connections', async () => {
    const before = await fingerprint(address.port);
    const other = { certPath: join(dir, 'new', 'cert.pem'), keyPath: join(dir, 'new', 'key.pem') };
    await ensureTlsFiles({ ...other, hostname: 'new.example.test' });
    const { rename, mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'tls'), { recursive: true });
    await rename(other.keyPath, tls().keyPath);
    await rename(other.certPath, tls().certPath);
    const expected = new (await import('node:crypto')).X509Certificate(await readFile(tls().certPath)).fingerprint256;
    const deadline = Date.now() + 5000;
    let now = before;
    while (now !== expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = await fingerprint(address.port);
    }
    assert.equal(now, expected);
  });
});
