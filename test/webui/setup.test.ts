// First-boot setup and password recovery: nobody finishes without a press of
// the box's button, a press confirms only the browser that is waiting, and the
// admin password is stored hashed and never comes back from any API.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyPassword } from '../../firmware/store/password.ts';
import { ADMIN_PASSWORD, Client, completeSetup, type Harness, startHarness, until } from './support.ts';

describe('setup wizard (dev mode, simulated button)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('cannot be finished without the button, and then can', async () => {
    const c = new Client(h.app);
    assert.equal((await c.req('GET', '/api/setup')).json.step, 'password');
    const weak = await c.req('POST', '/api/setup/password', { password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.json.error.code, 'WEAK_PASSWORD');
    assert.equal(weak.json.error.field, 'password');

    const pw = await c.req('POST', '/api/setup/password', { password: ADMIN_PASSWORD });
    assert.equal(pw.status, 200);
    assert.equal(pw.json.step, 'presence');
    assert.ok(c.cookie, 'a setup session cookie');

    // Finishing now is refused: the button was not pressed.
    const early = await c.req('POST', '/api/setup/finish', { domain: 'example.test' });
    assert.equal(early.status, 403);
    assert.equal(early.json.error.code, 'PRESENCE_REQUIRED');
    // Nothing was stored yet.
    assert.equal(await h.store.getSetting('admin.credentials'), undefined);

    const waiting = await c.req('POST', '/api/setup/presence');
    assert.equal(waiting.json.presence, 'waiting');
    assert.ok(waiting.json.presenceExpiresAt > Date.now());

    // Another browser on the LAN cannot wait at the same time, nor press for it, nor finish.
    const other = new Client(h.app);
    await other.req('POST', '/api/setup/password', { password: 'Another-Long-Password-1' });
    const busy = await other.req('POST', '/api/setup/presence');
    assert.equal(busy.status, 409);
    assert.equal(busy.json.error.code, 'PRESENCE_PENDING');
    assert.equal((await other.req('POST', '/api/setup/press')).status, 400);
    assert.equal((await other.req('POST', '/api/setup/finish', { domain: 'example.test' })).json.error.code, 'PRESENCE_REQUIRED');

    // In dev mode the waiting browser may press the simulated button itself.
    const before = c.cookie;
    const pressed = await c.req('POST', '/api/setup/press');
    assert.equal(pressed.status, 200);
    assert.equal(pressed.json.presence, 'confirmed');
    assert.equal(pressed.json.step, 'details');
    assert.notEqual(c.cookie, before, 'the session id changes once it is an admin session');

    const stored = (await h.store.getSetting('admin.credentials')) as { hash: string };
    assert.match(stored.hash, /^\$scrypt\$/);
    assert.ok(await verifyPassword(ADMIN_PASSWORD, stored.hash));

    const bad = await c.req('POST', '/api/setup/finish', {
      domain: 'example.test',
      users: [
        { address: 'anna', password: 'Sunny-Meadow-Password-7' },
        { address: 'bob@example.test', password: 'bob' },
      ],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'users.1.password');
    assert.equal(await h.store.getDomain('example.test'), undefined, 'a refused setup leaves the box as it was');

    const done = await c.req('POST', '/api/setup/finish', {
      domain: 'example.test',
      hostname: 'mail.example.test',
      users: [{ address: 'anna', password: 'Sunny-Meadow-Password-7', quota: '1G' }],
      smarthost: { host: 'smtp.isp.test', port: 587, user: 'box', password: 'relay-secret-1' },
    });
    assert.equal(done.status, 200, done.body);
    assert.equal(done.json.authenticated, true);
    assert.equal(done.json.role, 'admin');
    assert.equal(done.json.setupDone, true);
    assert.ok(await h.store.findAccount('anna@example.test'));

    // Signed in: the admin API works; the hash and the relay password never come back.
    const settings = await c.req('GET', '/api/settings');
    assert.equal(settings.status, 200);
    assert.equal(settings.body.includes('scrypt'), false);
    assert.equal(settings.body.includes('relay-secret-1'), false);
    assert.equal(settings.body.includes('admin.credentials'), false);
    assert.equal((await other.req('POST', '/api/setup/password', { password: ADMIN_PASSWORD })).json.error.code, 'SETUP_DONE');
  });
});

describe('setup on real hardware', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ hardware: true, presenceTimeoutMs: 1000 });
  });
  after(() => h.close());

  it('refuses a press from the browser; a press by hand confirms; a missed press expires', async () => {
    const c = new Client(h.app);
    assert.equal((await c.req('GET', '/api/session')).json.simButton, false);
    await c.req('POST', '/api/setup/password', { password: ADMIN_PASSWORD });
    await c.req('POST', '/api/setup/presence');
    const remote = await c.req('POST', '/api/setup/press');
    assert.equal(remote.status, 403);
    assert.equal(remote.json.error.code, 'FORBIDDEN');
    await until(async () => (await c.req('GET', '/api/setup')).json.presence === 'expired', 5000);
    assert.equal((await c.req('POST', '/api/setup/finish', { domain: 'example.test' })).status, 403);

    await c.req('POST', '/api/setup/presence');
    await h.sim.press('short');
    await until(async () => (await c.req('GET', '/api/setup')).json.presence === 'confirmed');
    const done = await c.req('POST', '/api/setup/finish', { domain: 'example.test' });
    assert.equal(done.status, 200, done.body);
    // Signed in as admin, the panel's button still cannot be pressed from here.
    const press = await c.req('POST', '/api/panel/press', { kind: 'long' });
    assert.equal(press.status, 403);
    assert.equal((await c.req('GET', '/api/panel')).json.driver, 'kernel');
  });
});

describe('password recovery', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('sets a new admin password only after the button, and ends the old sessions', async () => {
    const old = await completeSetup(h);
    assert.equal((await old.req('GET', '/api/domains')).status, 200);

    const c = new Client(h.app);
    const weak = await c.req('POST', '/api/recovery/start', { password: 'weak' });
    assert.equal(weak.json.error.field, 'password');
    const started = await c.req('POST', '/api/recovery/start', { password: 'New-Office-Password-99' });
    assert.equal(started.json.presence, 'waiting');
    // Not signed in before the press.
    assert.equal((await c.req('GET', '/api/domains')).status, 401);
    await h.sim.press('short');
    await until(async () => (await c.req('GET', '/api/recovery')).json.presence === 'confirmed');
    assert.equal((await c.req('GET', '/api/domains')).status, 200);
    // The old admin session ended with the old password.
    assert.equal((await old.req('GET', '/api/domains')).status, 401);

    const fresh = new Client(h.app);
    assert.equal((await fresh.req('POST', '/api/login', { username: 'admin', password: ADMIN_PASSWORD })).status, 401);
    assert.equal((await fresh.req('POST', '/api/login', { username: 'admin', password: 'New-Office-Password-99' })).status, 200);
  });

  it('the reset action (long press) sends the box back to setup and signs the admin out', async () => {
    const c = new Client(h.app);
    assert.equal((await c.req('POST', '/api/login', { username: 'admin', password: 'New-Office-Password-99' })).status, 200);
    await h.admin.call('admin.reset');
    await until(async () => (await c.req('GET', '/api/domains')).status === 409);
    assert.equal((await c.req('GET', '/api/domains')).json.error.code, 'SETUP_REQUIRED');
    assert.equal((await c.req('GET', '/api/setup')).json.step, 'password');
    assert.ok(await h.store.getDomain('example.test'), 'mail data stays');
  });
});
