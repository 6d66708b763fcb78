// "Send test message" goes out the way outbound mail goes now: through the
// smarthost when one is set (a real SMTP server started here), and says what
// the server answered.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { type Client, completeSetup, type Harness, startHarness } from './support.ts';

describe('relay test message', () => {
  let h: Harness;
  let admin: Client;
  let smtp: SMTPServer;
  let port: number;
  const received: { from: string; to: string[]; body: string; user?: string }[] = [];

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth: (auth, _session, cb) =>
        auth.username === 'box' && auth.password === 'relay-secret-1' ? cb(null, { user: 'box' }) : cb(new Error('bad credentials')),
      onData(stream, session, cb) {
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (body += d));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            body,
            ...(typeof session.user === 'string' ? { user: session.user } : {}),
          });
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    port = (smtp.server.address() as AddressInfo).port;
    h = await startHarness();
    admin = await completeSetup(h, {
      domain: 'example.test',
      hostname: 'mx.example.test',
      smarthost: { host: '127.0.0.1', port, tls: 'none', user: 'box', password: 'relay-secret-1' },
    });
  });
  after(async () => {
    await h.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('sends through the smarthost and reports its answer', async () => {
    const res = await admin.req('POST', '/api/relay/test', { to: 'someone@elsewhere.test' });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.ok, true, res.body);
    assert.equal(res.json.route, 'smarthost');
    assert.match(res.json.detail, /^250/);
    assert.equal(received.length, 1);
    assert.deepEqual(received[0]!.to, ['someone@elsewhere.test']);
    assert.equal(received[0]!.user, 'box');
    assert.match(received[0]!.body, /Subject: Pochta test message/);
  });

  it('says plainly when the smarthost refuses', async () => {
    await admin.req('PATCH', '/api/settings', {
      values: { 'relay.smarthost': { host: '127.0.0.1', port, tls: 'none', user: 'box', password: 'wrong-secret' } },
    });
    const res = await admin.req('POST', '/api/relay/test', { to: 'someone@elsewhere.test' });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.ok, false);
    assert.ok(res.json.detail.length > 0);
  });
});
