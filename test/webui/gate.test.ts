// The checks every request passes: the route table is walked so a new route
// cannot slip through without a session; CSRF; validation errors name the
// field; sign-in is rate-limited; a mail user may only change their password.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, Client, completeSetup, type Harness, startHarness } from './support.ts';

/** The only routes reachable without a session. Adding one here is a decision, not an accident. */
const PUBLIC = new Set([
  'GET /health',
  'GET /api/session',
  'POST /api/login',
  'POST /api/logout',
  'GET /api/setup',
  'POST /api/setup/password',
  'POST /api/setup/presence',
  'POST /api/setup/press',
  'POST /api/setup/finish',
  'GET /api/recovery',
  'POST /api/recovery/start',
  'POST /api/recovery/press',
  'GET /.well-known/autoconfig/mail/config-v1.1.xml',
  'GET /mail/config-v1.1.xml',
  'POST /autodiscover/autodiscover.xml',
  'POST /Autodiscover/Autodiscover.xml',
  'GET /*',
  'HEAD /*',
]);
/** Signed-in mail users (not admin) may use these. */
const USER = new Set(['GET /api/me', 'POST /api/account/password', 'GET /api/users/:address/mobileconfig']);

const concrete = (url: string) => url.replace(/:[a-z]+/gi, 'someone%40example.test').replace('*', 'x');

describe('the gate', () => {
  let h: Harness;
  let admin: Client;
  const USER_PASSWORD = 'Orange-Bicycle-Window-3';

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const routes = () => h.app.routeTable.filter((r) => r.method !== 'OPTIONS');

  it('declares exactly the expected public and user routes', () => {
    const table = routes();
    assert.ok(table.length > 40, `only ${table.length} routes`);
    const pub = new Set(table.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`));
    assert.deepEqual([...pub].sort(), [...PUBLIC].sort());
    const user = new Set(table.filter((r) => r.access === 'user').map((r) => `${r.method} ${r.url}`));
    assert.deepEqual([...user].sort(), [...USER].sort());
  });

  it('before setup, every non-public route answers 409 SETUP_REQUIRED', async () => {
    const c = new Client(h.app);
    for (const r of routes()) {
      if (PUBLIC.has(`${r.method} ${r.url}`)) continue;
      const res = await c.req(r.method, concrete(r.url), r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      assert.equal(res.status, 409, `${r.method} ${r.url}: ${res.body}`);
      assert.equal(res.json.error.code, 'SETUP_REQUIRED');
    }
    // The app itself and the wizard stay reachable.
    assert.equal((await c.req('GET', '/')).status, 200);
    assert.equal((await c.req('HEAD', '/')).status, 200);
    assert.equal((await c.req('HEAD', '/api/backup')).status, 404, 'no HEAD twin for API routes');
    assert.equal((await c.req('GET', '/api/setup')).status, 200);
  });

  it('after setup, every non-public route refuses a caller without a session (401), HEAD included', async () => {
    admin = await completeSetup(h, { domain: 'example.test', users: [{ address: 'anna', password: USER_PASSWORD }] });
    const c = new Client(h.app);
    for (const r of h.app.routeTable) {
      if (PUBLIC.has(`${r.method} ${r.url}`)) continue;
      const res = await c.req(r.method, concrete(r.url), ['GET', 'HEAD', 'DELETE'].includes(r.method) ? undefined : {});
      assert.equal(res.status, 401, `${r.method} ${r.url}: ${res.body}`);
      if (r.method !== 'HEAD') assert.equal(res.json.error.code, 'UNAUTHENTICATED');
    }
  });

  it('a mail user may sign in and change only their own password', async () => {
    const u = new Client(h.app);
    const login = await u.req('POST', '/api/login', { username: 'Anna@Example.test', password: USER_PASSWORD });
    assert.equal(login.status, 200, login.body);
    assert.equal(login.json.role, 'user');
    assert.equal(login.json.username, 'anna@example.test');
    for (const r of routes()) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC.has(key) || USER.has(key)) continue;
      const res = await u.req(r.method, concrete(r.url), ['GET', 'DELETE'].includes(r.method) ? undefined : {});
      assert.equal(res.status, 403, `${key}: ${res.body}`);
    }
    assert.equal((await u.req('GET', '/api/users/someone@example.test/mobileconfig')).status, 403);
    assert.equal((await u.req('GET', '/api/users/anna@example.test/mobileconfig')).status, 200);
    const wrong = await u.req('POST', '/api/account/password', { currentPassword: 'nope-nope-nope', newPassword: 'Another-Good-Phrase-5' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.field, 'currentPassword');
    const weak = await u.req('POST', '/api/account/password', { currentPassword: USER_PASSWORD, newPassword: 'short' });
    assert.equal(weak.json.error.field, 'newPassword');
    const ok = await u.req('POST', '/api/account/password', { currentPassword: USER_PASSWORD, newPassword: 'Another-Good-Phrase-5' });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(
      (await new Client(h.app).req('POST', '/api/login', { username: 'anna@example.test', password: 'Another-Good-Phrase-5' })).status,
      200,
    );
  });

  it('signs out a mail user who was disabled', async () => {
    const u = new Client(h.app);
    assert.equal((await u.req('POST', '/api/login', { username: 'anna@example.test', password: 'Another-Good-Phrase-5' })).status, 200);
    assert.equal((await u.req('GET', '/api/me')).status, 200);
    await admin.req('PATCH', '/api/users/anna@example.test', { enabled: false });
    assert.equal((await u.req('GET', '/api/me')).status, 401);
    const again = await u.req('POST', '/api/login', { username: 'anna@example.test', password: 'Another-Good-Phrase-5' });
    assert.equal(again.json.error.code, 'ACCOUNT_DISABLED');
    await admin.req('PATCH', '/api/users/anna@example.test', { enabled: true });
  });

  it('refuses state changes without the CSRF token, with a wrong one, or from another origin', async () => {
    const body = JSON.stringify({ name: 'csrf.test' });
    const json = { 'content-type': 'application/json', cookie: admin.cookie! };
    const none = await h.app.inject({ method: 'POST', url: '/api/domains', headers: json, payload: body });
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, 'CSRF_FAILED');
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/api/domains',
      headers: { ...json, 'x-pochta-csrf': 'anonymous' },
      payload: body,
    });
    assert.equal(wrong.statusCode, 403);
    const evil = await h.app.inject({
      method: 'POST',
      url: '/api/domains',
      headers: { ...json, 'x-pochta-csrf': admin.csrf, origin: 'http://evil.example', host: 'box.local' },
      payload: body,
    });
    assert.equal(evil.statusCode, 403);
    const same = await h.app.inject({
      method: 'POST',
      url: '/api/domains',
      headers: { ...json, 'x-pochta-csrf': admin.csrf, origin: 'http://box.local', host: 'box.local' },
      payload: body,
    });
    assert.equal(same.statusCode, 201, same.body);
    // A login form posted from elsewhere (no header) is refused too.
    const login = await h.app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(login.json().error.code, 'CSRF_FAILED');
  });

  it('names the field of every validation error', async () => {
    const cases: [string, string, unknown, string, string?][] = [
      ['POST', '/api/users', { address: 'not an address', password: 'Valid-Long-Password-1' }, 'address', 'INVALID_ADDRESS'],
      ['POST', '/api/users', { address: 'bob@example.test', password: 'short' }, 'password', 'WEAK_PASSWORD'],
      ['POST', '/api/users', { password: 'Valid-Long-Password-1' }, 'address'],
      ['POST', '/api/users', { address: 'bob@example.test', password: 'Valid-Long-Password-1', quota: 'lots' }, 'quota'],
      ['POST', '/api/users', { address: 'bob@nowhere.test', password: 'Valid-Long-Password-1' }, 'address', 'UNKNOWN_DOMAIN'],
      ['POST', '/api/domains', { name: 'exa mple' }, 'name', 'INVALID_DOMAIN'],
      ['POST', '/api/aliases', { address: 'sales@example.test', targets: ['not-an-address'] }, 'address'],
      [
        'PATCH',
        '/api/settings',
        { values: { 'relay.smarthost': { host: 'smtp.isp.test', port: 99999 } } },
        'relay.smarthost.port',
        'BAD_SETTING',
      ],
      ['PATCH', '/api/settings', { values: { 'dnsbl.threshold': -3 } }, 'dnsbl.threshold', 'BAD_SETTING'],
      ['PATCH', '/api/settings', { values: { 'dnsbl.colour': 'red' } }, 'dnsbl.colour', 'UNKNOWN_SETTING'],
      [
        'PATCH',
        '/api/settings',
        { values: { 'relay.trustedNetworks': ['127.0.0.1/32', 'not a network'] } },
        'relay.trustedNetworks.1',
        'BAD_SETTING',
      ],
      ['POST', '/api/panel/press', { kind: 'sideways' }, 'kind'],
      ['POST', '/api/relay/test', { to: 'nobody' }, 'to'],
      ['PUT', '/api/ssh', { keys: ['ssh-ed25519 AAAA'] }, 'keys.0'],
      ['PUT', '/api/tls', { certPem: 'hello', keyPem: 'world' }, 'certPem'],
    ];
    for (const [method, url, body, field, code] of cases) {
      const res = await admin.req(method, url, body);
      assert.equal(res.status >= 400 && res.status < 500, true, `${method} ${url}: ${res.status} ${res.body}`);
      assert.equal(res.json.error.field, field, `${method} ${url}: ${res.body}`);
      if (code) assert.equal(res.json.error.code, code, `${method} ${url}: ${res.body}`);
      assert.ok(res.json.error.message.length > 5);
    }
  });

  it('limits failed sign-ins per address, even when the right password comes next', async () => {
    const c = new Client(h.app);
    for (let i = 0; i < 5; i++) {
      const res = await c.req('POST', '/api/login', { username: 'admin', password: `wrong-${i}` });
      assert.equal(res.status, 401);
      assert.equal(res.json.error.field, 'password');
    }
    const limited = await c.req('POST', '/api/login', { username: 'admin', password: ADMIN_PASSWORD });
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Another address is not affected.
    const other = await h.app.inject({
      method: 'POST',
      url: '/api/login',
      remoteAddress: '192.0.2.77',
      headers: { 'content-type': 'application/json', 'x-pochta-csrf': 'anonymous' },
      payload: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(other.statusCode, 200);
  });

  it("answers the API only under the box's own names (DNS rebinding)", async () => {
    const ask = (host: string) => h.app.inject({ method: 'GET', url: '/api/session', headers: { host } });
    for (const host of [
      '192.168.1.20',
      '[fe80::1]:443',
      'pochta',
      'pochta.local',
      'box.lan',
      'mail.example.test',
      'webmail.example.test:8443',
    ]) {
      assert.equal((await ask(host)).statusCode, 200, host);
    }
    const evil = await ask('rebind.attacker.example');
    assert.equal(evil.statusCode, 421);
    assert.match(evil.json().error.message, /own name or address/);
    // Mail clients may ask for autoconfig under any name of the mail domain.
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/mail/config-v1.1.xml', headers: { host: 'autoconfig.customer.example' } })).statusCode,
      200,
    );
  });

  it('sends security headers and keeps the cookie HttpOnly and SameSite=Strict', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/login',
      remoteAddress: '192.0.2.78',
      headers: { 'content-type': 'application/json', 'x-pochta-csrf': 'anonymous' },
      payload: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(res.statusCode, 200);
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await h.app.inject({ method: 'GET', url: '/' });
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });
});
