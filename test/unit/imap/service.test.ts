// The IMAP Services ('imap' with STARTTLS, 'imaps' with implicit TLS) built
// from a ListenerContext, over real sockets, a real certificate and the real store.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { createPasswordCheck } from '../../../firmware/imap/password-check.ts';
import { createImapService } from '../../../firmware/imap/service.ts';
import { ensureTlsFiles } from '../../../firmware/net/tls.ts';
import { hashPassword, type LevelMailStore, openStore } from '../../../firmware/store/index.ts';
import type { ListenerContext, ListenerName } from '../../../firmware/supervisor/service.ts';
import { TestClient } from './client.ts';
import { PASSWORD, silentLog } from './fixture.ts';

describe('imap service', () => {
  let dir: string;
  let store: LevelMailStore;
  const ctx = (name: ListenerName, dev = false): ListenerContext => ({
    name,
    address: { host: '127.0.0.1', port: 0 },
    store,
    log: silentLog,
    hostname: 'mail.example.com',
    dataDir: dir,
    tls: { certPath: path.join(dir, 'tls', 'cert.pem'), keyPath: path.join(dir, 'tls', 'key.pem') },
    dev,
    now: Date.now,
  });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-imap-svc-'));
    store = await openStore({ dir: path.join(dir, 'data') });
    await store.addDomain('example.com');
    await store.createAccount({ address: 'alice@example.com', passwordHash: await hashPassword(PASSWORD) });
    await ensureTlsFiles({ ...ctx('imap').tls, hostname: 'mail.example.com' });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('port 143: plaintext login refused, STARTTLS upgrades, pipelined plaintext is dropped, then LOGIN works', async () => {
    const service = await createImapService(ctx('imap'), { sleep: async () => undefined });
    await service.start();
    try {
      const c = await TestClient.connect(service.address()!.port);
      const greeting = await c.response();
      assert.match(greeting, /STARTTLS/);
      assert.match(greeting, /LOGINDISABLED/);
      assert.deepEqual(await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'a'), [
        'a NO [PRIVACYREQUIRED] Use STARTTLS or port 993 first',
      ]);
      // A command sent with STARTTLS must not run after the upgrade (injection).
      c.write('b STARTTLS\r\nc NOOP\r\n');
      assert.equal(await c.response(), 'b OK Begin TLS negotiation now');
      const s = await c.startTls();
      const caps = await s.command('CAPABILITY', 'd');
      assert.equal(caps[0], '* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+ ID ENABLE');
      assert.equal(caps[1], 'd OK Capability completed');
      assert.deepEqual(await s.command('STARTTLS', 'e'), ['e BAD TLS is already active']);
      assert.match((await s.command(`LOGIN alice@example.com "${PASSWORD}"`, 'f'))[0]!, /^f OK \[CAPABILITY/);
      s.close();
    } finally {
      await service.stop(Date.now() + 1000);
    }
  });

  it('port 993: implicit TLS and a goodbye on stop', async () => {
    const service = await createImapService(ctx('imaps'));
    await service.start();
    const c = await TestClient.connectTls(service.address()!.port);
    const greeting = await c.response();
    assert.doesNotMatch(greeting, /STARTTLS|LOGINDISABLED/);
    assert.match((await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'a'))[0]!, /^a OK/);
    await service.stop(Date.now() + 2000);
    assert.equal(await c.response(), '* BYE Server shutting down');
    await c.waitClosed();
  });

  it('dev mode allows plaintext login from loopback only', async () => {
    const service = await createImapService(ctx('imap', true));
    await service.start();
    try {
      const c = await TestClient.connect(service.address()!.port);
      assert.match(await c.response(), /AUTH=PLAIN/);
      assert.match((await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'a'))[0]!, /^a OK/);
      c.close();
    } finally {
      await service.stop(Date.now() + 1000);
    }
  });

  it('refuses listener names it does not serve', async () => {
    await assert.rejects(createImapService(ctx('pop3')), (err: unknown) => isPochtaError(err, 'BAD_CONFIG'));
  });
});

describe('imap password check', () => {
  it('slows failures down, refuses after the limit, forgets after the window', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    const account = { id: 'a1', address: 'alice@example.com', enabled: true, passwordHash: 'h' };
    const check = createPasswordCheck({
      store: { findAccount: async (address) => (address === 'alice@example.com' ? (account as never) : undefined) },
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
      },
      maxFailures: 3,
      windowMs: 60_000,
      verify: async (password) => password === 'right',
    });
    const client = { remoteAddress: '192.0.2.1' };
    assert.equal(await check('ALICE@example.com', 'wrong', client), undefined);
    assert.equal(await check('nobody@example.com', 'right', client), undefined);
    assert.equal(await check('alice@example.com', 'wrong', client), undefined);
    assert.deepEqual(slept, [500, 1000, 1500]);
    await assert.rejects(check('alice@example.com', 'right', client), (err: unknown) => isPochtaError(err, 'AUTH_THROTTLED'));
    // Another address is not affected.
    assert.equal((await check('alice@example.com', 'right', { remoteAddress: '192.0.2.2' }))?.id, 'a1');
    now += 60_001;
    assert.equal((await check('alice@example.com', 'right', client))?.id, 'a1');
  });
});
