// Submission (587 STARTTLS and 465 implicit TLS) over real sockets with the
// real store: AUTH only after TLS, PLAIN and LOGIN, sender address rules,
// authenticated relay, brute-force limiting, and nothing secret in the logs.

import assert from 'node:assert/strict';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { MailStore } from '../../firmware/store/types.ts';
import type { TlsFiles } from '../../firmware/supervisor/service.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { logText, makeTlsFiles, type RunningSmtp, type StartOptions, startSmtp, tempDir } from './helpers/harness.ts';
import { recordingTarget } from './helpers/recording-target.ts';
import { inbox, openTestStore, PASSWORD, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('submission', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let store: MailStore;
  let tls: TlsFiles;
  let dns: TestDnsServer;
  let smtp: RunningSmtp;
  const outbound = recordingTarget();

  before(async () => {
    const tmp = await tempDir('pochta-smtp-sub-');
    cleanup = tmp.cleanup;
    tls = await makeTlsFiles(tmp.dir);
    dns = await TestDnsServer.start();
    dir = await openTestStore(tmp.dir);
    store = dir.store;
    await store.setAlias('sales@example.test', ['alice@example.test']);
    smtp = await startSmtp({ mode: 'submission', store, tls, dns, outbound });
  });

  after(async () => {
    await smtp.stop();
    await dir.close();
    await dns.close();
    await cleanup();
  });

  async function loggedIn(user = 'alice@example.test', port = smtp.port): Promise<Transcript> {
    const c = await Transcript.open({ port, localAddress: '127.0.0.9' });
    await c.expect(/^220 /);
    await c.cmd('EHLO laptop.example', /^250/);
    await c.startTls();
    await c.cmd('EHLO laptop.example', /^250/);
    await c.cmd(`AUTH PLAIN ${plain(user, PASSWORD)}`, /^235 /);
    return c;
  }

  it('refuses AUTH and mail before TLS on a non-dev listener', async () => {
    const c = await Transcript.open({ port: smtp.port, localAddress: '127.0.0.9' });
    await c.expect(/^220 /);
    const ehlo = await c.cmd('EHLO laptop.example', /^250/);
    assert.match(ehlo, /STARTTLS/);
    assert.doesNotMatch(ehlo, /AUTH/, 'no AUTH offered before TLS');
    await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, /^5\d\d /);
    await c.cmd('MAIL FROM:<alice@example.test>', /^530 /);
    await c.startTls();
    const secure = await c.cmd('EHLO laptop.example', /^250/);
    assert.match(secure, /AUTH PLAIN LOGIN/);
    await c.cmd(`AUTH PLAIN ${plain('alice@example.test', 'wrong password')}`, /^535 5\.7\.8 /);
    await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, /^235 /);
    c.close();
  });

  it('accepts AUTH LOGIN', async () => {
    const c = await Transcript.open({ port: smtp.port, localAddress: '127.0.0.9' });
    await c.expect(/^220 /);
    await c.cmd('EHLO laptop.example', /^250/);
    await c.startTls();
    await c.cmd('EHLO laptop.example', /^250/);
    await c.cmd('AUTH LOGIN', /^334 /);
    await c.cmd(b64('bob@example.test'), /^334 /);
    await c.cmd(b64(PASSWORD), /^235 /);
    c.close();
  });

  it('lets a user send only as its own address or an alias that reaches it', async () => {
    const c = await loggedIn();
    await c.cmd('MAIL FROM:<bob@example.test>', /^553 5\.7\.1 /);
    await c.cmd('MAIL FROM:<ceo@elsewhere.test>', /^553 5\.7\.1 /);
    await c.cmd('MAIL FROM:<>', /^553 5\.7\.1 /);
    await c.cmd('MAIL FROM:<Alice@Example.Test>', /^250/);
    await c.cmd('RSET', /^250/);
    await c.cmd('MAIL FROM:<sales@example.test>', /^250/);
    await c.cmd('RSET', /^250/);
    // team@ reaches alice too (a list), so she may send as the list.
    await c.cmd('MAIL FROM:<team@example.test>', /^250/);
    c.close();
    const b = await loggedIn('bob@example.test');
    await b.cmd('MAIL FROM:<sales@example.test>', /^553 5\.7\.1 /);
    b.close();
  });

  it('relays for an authenticated user: local recipients at once, the rest to the outbound queue', async () => {
    const before = outbound.committed.length;
    const c = await loggedIn();
    await c.cmd('MAIL FROM:<alice@example.test>', /^250/);
    await c.cmd('RCPT TO:<customer@elsewhere.test>', /^250/);
    await c.cmd('RCPT TO:<bob@example.test>', /^250/);
    await c.cmd('RCPT TO:<nobody@example.test>', /^550 5\.1\.1 /);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('From: alice@example.test\nTo: customer@elsewhere.test, bob@example.test\nSubject: offer-1\n\nPrices.\n'));
    await c.expect(/^250 2\.0\.0 /);
    c.close();
    assert.equal(outbound.committed.length, before + 1);
    const queued = outbound.committed.at(-1);
    assert.deepEqual(queued?.recipients, ['customer@elsewhere.test']);
    assert.equal(queued?.envelope.authUser?.address, 'alice@example.test');
    const [copy] = (await inbox(store, dir.bob)).filter((m) => m.text.includes('offer-1'));
    assert.ok(copy, 'bob got it in INBOX');
    assert.match(copy.text, /with ESMTPSA id /);
    assert.doesNotMatch(copy.text, /alice@example\.test\)/, 'the Received header does not name the login');
    // No copy in the sender's Sent folder: that is the client's job.
    assert.equal((await inbox(store, dir.alice, 'Sent')).filter((m) => m.text.includes('offer-1')).length, 0);
  });

  it('queues remote mail in the store, DKIM-signed, with the default outbound target', async () => {
    const real = await startSmtp({ mode: 'submission', store, tls, dns });
    try {
      const c = await loggedIn('alice@example.test', real.port);
      await c.cmd('MAIL FROM:<alice@example.test>', /^250/);
      await c.cmd('RCPT TO:<partner@elsewhere.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock('From: Alice <alice@example.test>\nTo: partner@elsewhere.test\nSubject: queued-signed\n\nHello.\n'));
      await c.expect(/^250 2\.0\.0 /);
      c.close();
      const item = (await store.listQueue()).find((q) => q.recipients.some((r) => r.address === 'partner@elsewhere.test'));
      assert.ok(item, 'a queue item for the remote recipient');
      assert.equal(item.from, 'alice@example.test');
      const text = Buffer.from((await store.readBody(item.blobId)) ?? new Uint8Array()).toString();
      assert.match(text, /^DKIM-Signature: [\s\S]*d=example\.test/m);
      assert.match(text, /^Received: from laptop\.example /m);
    } finally {
      await real.stop();
    }
  });

  it('throttles failed logins per IP, even for the right password afterwards', async () => {
    await store.setSettings({ 'limits.authFailuresPerIp': 3 });
    const limited = await startSmtp({ mode: 'submission', store, tls, dns, outbound });
    try {
      const c = await Transcript.open({ port: limited.port, localAddress: '127.0.0.50' });
      await c.expect(/^220 /);
      await c.cmd('EHLO x', /^250/);
      await c.startTls();
      await c.cmd('EHLO x', /^250/);
      for (let i = 0; i < 3; i++) await c.cmd(`AUTH PLAIN ${plain('alice@example.test', `guess${i}`)}`, /^535 5\.7\.8 /);
      await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, /^454 4\.7\.0 /);
      c.close();
      // Another address is not affected.
      const other = await loggedIn('alice@example.test', limited.port);
      other.close();
      const text = logText(limited.log.lines);
      assert.doesNotMatch(text, /guess\d|correct horse/, 'no password in the logs');
      assert.doesNotMatch(text, new RegExp(plain('alice@example.test', 'guess0').slice(0, 16)), 'no AUTH payload in the logs');
    } finally {
      await limited.stop();
      await store.setSettings({ 'limits.authFailuresPerIp': undefined });
    }
  });

  it('throttles failed logins per account across addresses', async () => {
    const options: StartOptions = { mode: 'submission', store, tls, dns, outbound, tuning: { authFailuresPerAccount: 2 } };
    const limited = await startSmtp(options);
    try {
      for (const ip of ['127.0.0.61', '127.0.0.62']) {
        const c = await Transcript.open({ port: limited.port, localAddress: ip });
        await c.expect(/^220 /);
        await c.cmd('EHLO x', /^250/);
        await c.startTls();
        await c.cmd('EHLO x', /^250/);
        await c.cmd(`AUTH PLAIN ${plain('bob@example.test', 'spray')}`, /^535 /);
        c.close();
      }
      const c = await Transcript.open({ port: limited.port, localAddress: '127.0.0.63' });
      await c.expect(/^220 /);
      await c.cmd('EHLO x', /^250/);
      await c.startTls();
      await c.cmd('EHLO x', /^250/);
      await c.cmd(`AUTH PLAIN ${plain('bob@example.test', PASSWORD)}`, /^454 4\.7\.0 /);
      await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, /^235 /);
      c.close();
    } finally {
      await limited.stop();
    }
  });

  it('allows plaintext AUTH from loopback in dev mode only', async () => {
    const dev = await startSmtp({ mode: 'submission', store, tls, dns, outbound, dev: true });
    try {
      const c = await Transcript.open({ port: dev.port, localAddress: '127.0.0.1' });
      await c.expect(/^220 /);
      await c.cmd('EHLO x', /^250/);
      await c.cmd(`AUTH PLAIN ${plain('alice@example.test', PASSWORD)}`, /^235 /);
      // STARTTLS forgets the plaintext login (RFC 3207 4.2): mail needs AUTH again.
      await c.startTls();
      await c.cmd('EHLO x', /^250/);
      await c.cmd('MAIL FROM:<alice@example.test>', /^530 5\.7\.0 /);
      c.close();
    } finally {
      await dev.stop();
    }
  });

  it('serves a replaced certificate to new connections without a restart', async () => {
    const tmp = await tempDir('pochta-smtp-cert-');
    try {
      const own = await makeTlsFiles(tmp.dir);
      const listener = await startSmtp({ mode: 'submission', store, tls: own, dns, outbound });
      try {
        const fingerprint = async () => {
          const c = await Transcript.open({ port: listener.port, localAddress: '127.0.0.9' });
          await c.expect(/^220 /);
          await c.cmd('EHLO x', /^250/);
          await c.startTls();
          const f = c.peerFingerprint;
          c.close();
          return f;
        };
        const before = await fingerprint();
        assert.ok(before);
        const fresh = await makeTlsFiles(join(tmp.dir, 'fresh'));
        await copyFile(fresh.keyPath, own.keyPath);
        await copyFile(fresh.certPath, own.certPath);
        let after: string | undefined = before;
        for (let i = 0; i < 60 && after === before; i++) {
          await new Promise((r) => setTimeout(r, 100));
          after = await fingerprint();
        }
        assert.notEqual(after, before);
      } finally {
        await listener.stop();
      }
    } finally {
      await rm(tmp.dir, { recursive: true, force: true });
    }
  });

  it('offers neither STARTTLS nor AUTH without a certificate, and smtps refuses to start', async () => {
    const missing = { certPath: '/nonexistent/cert.pem', keyPath: '/nonexistent/key.pem' };
    const bare = await startSmtp({ mode: 'submission', store, tls: missing, dns, outbound });
    try {
      const c = await Transcript.open({ port: bare.port, localAddress: '127.0.0.9' });
      await c.expect(/^220 /);
      const ehlo = await c.cmd('EHLO x', /^250/);
      assert.doesNotMatch(ehlo, /STARTTLS|AUTH/);
      await c.cmd('STARTTLS', /^5\d\d /);
      c.close();
    } finally {
      await bare.stop();
    }
    await assert.rejects(startSmtp({ mode: 'smtps', store, tls: missing, dns, outbound }), /TLS certificate unreadable/);
  });

  it('serves implicit TLS on smtps to a real client (nodemailer)', async () => {
    const smtps = await startSmtp({ mode: 'smtps', store, tls, dns, outbound });
    try {
      const conn = new SMTPConnection({ host: '127.0.0.1', port: smtps.port, secure: true, tls: { rejectUnauthorized: false } });
      await new Promise<void>((resolve, reject) => {
        conn.once('error', reject);
        conn.connect(() => resolve());
      });
      await new Promise<void>((resolve, reject) =>
        conn.login({ user: 'bob@example.test', pass: PASSWORD }, (err) => (err ? reject(err) : resolve())),
      );
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        conn.send(
          { from: 'bob@example.test', to: ['alice@example.test'] },
          'From: bob@example.test\r\nTo: alice@example.test\r\nSubject: via-465\r\n\r\nhi\r\n',
          (err, result) => (err ? reject(err) : resolve(result)),
        ),
      );
      assert.deepEqual(info.accepted, ['alice@example.test']);
      assert.match(info.response, /^250 2\.0\.0 /);
      conn.quit();
      const [copy] = (await inbox(store, dir.alice)).filter((m) => m.text.includes('via-465'));
      assert.match(copy?.text ?? '', /with ESMTPSA id /);
    } finally {
      await smtps.stop();
    }
  });
});
