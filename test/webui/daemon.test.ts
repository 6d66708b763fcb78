// The web listener run the way the daemon runs it (a real `pochta serve`, the
// web Service in its worker thread, admin actions over the admin socket): the
// setup wizard over HTTP with the simulated button pressed through the admin
// socket, then the admin signs in and adds a user.

import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type TestDaemon } from '../support/daemon.ts';

class HttpClient {
  cookie: string | undefined;
  csrf = 'anonymous';
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }
  async req(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string } } }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(method !== 'GET' ? { 'x-pochta-csrf': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { code: string } };
    if (typeof json['csrfToken'] === 'string') this.csrf = json['csrfToken'];
    return { status: res.status, json };
  }
}

describe('setup wizard against a real daemon', { timeout: 60_000 }, () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ args: ['--dev'], only: ['web'] });
  });
  after(() => daemon?.stop());

  it('needs the button (pressed through the admin socket), then the admin manages users', async () => {
    const web = daemon.addresses.web!;
    const c = new HttpClient(`http://127.0.0.1:${web.port}`);
    assert.equal((await c.req('GET', '/api/domains')).json.error?.code, 'SETUP_REQUIRED');
    assert.equal((await c.req('POST', '/api/setup/password', { password: 'Correct-Horse-Battery-42' })).status, 200);
    assert.equal((await c.req('POST', '/api/setup/finish', { domain: 'office.test' })).json.error?.code, 'PRESENCE_REQUIRED');
    assert.equal((await c.req('POST', '/api/setup/presence')).json['presence'], 'waiting');

    // The LEDs show that the box waits for the button.
    const panel = (await daemon.admin('gpio.state')) as { leds: Record<string, { pattern: string }> };
    assert.ok(panel.leds);
    await daemon.admin('gpio.press', { kind: 'short' });
    const deadline = Date.now() + 10_000;
    let state = await c.req('GET', '/api/setup');
    while (state.json['presence'] !== 'confirmed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      state = await c.req('GET', '/api/setup');
    }
    assert.equal(state.json['step'], 'details');

    const done = await c.req('POST', '/api/setup/finish', {
      domain: 'office.test',
      hostname: 'mail.office.test',
      users: [{ address: 'anna', password: 'Orange-Bicycle-Window-3' }],
    });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    assert.equal(done.json['role'], 'admin');

    const added = await c.req('POST', '/api/users', { address: 'bob@office.test', password: 'Yellow-Submarine-Deck-9' });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    const status = await c.req('GET', '/api/status');
    assert.equal(status.status, 200);
    assert.ok((status.json['listeners'] as { name: string }[]).some((l) => l.name === 'web'));
    // The CLI sees what the web UI did.
    const list = await daemon.cli(['user', 'list', '--json']);
    assert.match(list.stdout, /bob@office\.test/);
  });
});

describe('appliance mode under the supervisor', { timeout: 60_000 }, () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ only: ['web'] });
  });
  after(() => daemon?.stop());

  it('runs HTTPS and stays up (the probe reads /health in plain HTTP on the same port)', async () => {
    const web = daemon.addresses.web!;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: web.port, path: '/api/session', rejectUnauthorized: false, agent: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).setupDone, false);
    // Give the supervisor a few probe rounds: the listener must not be restarted.
    await new Promise((r) => setTimeout(r, 1500));
    const status = await daemon.status();
    const listener = status.listeners.find((l) => l.name === 'web')!;
    assert.equal(listener.state, 'running');
    assert.equal(listener.restarts, 0);
  });
});
