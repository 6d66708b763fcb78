// Inbound MX (the 'smtp' listener) over real loopback sockets with the real
// store: recipients, relay rules and every relay trick, delivery stored once
// for many recipients, and the Received header.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailStore } from '../../firmware/store/types.ts';
import type { TlsFiles } from '../../firmware/supervisor/service.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { logText, makeTlsFiles, type RunningSmtp, startSmtp, tempDir } from './helpers/harness.ts';
import { recordingTarget } from './helpers/recording-target.ts';
import { inbox, openTestStore, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

const STRANGER = '127.0.0.9';

describe('inbound MX', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let store: MailStore;
  let tls: TlsFiles;
  let dns: TestDnsServer;
  let smtp: RunningSmtp;
  const outbound = recordingTarget();

  before(async () => {
    const tmp = await tempDir('pochta-smtp-in-');
    cleanup = tmp.cleanup;
    tls = await makeTlsFiles(tmp.dir);
    dns = await TestDnsServer.start();
    dir = await openTestStore(tmp.dir);
    store = dir.store;
    await store.setSettings({ 'dnsbl.zones': [] });
    smtp = await startSmtp({ mode: 'smtp', store, tls, dns, outbound });
  });

  after(async () => {
    await smtp.stop();
    await dir.close();
    await dns.close();
    await cleanup();
  });

  const open = (localAddress = STRANGER) => Transcript.open({ port: smtp.port, localAddress });

  it('greets, offers SIZE and STARTTLS, and no AUTH on port 25', async () => {
    const c = await open();
    await c.expect(/^220 mx\.test ESMTP/);
    const ehlo = await c.cmd('EHLO client.example', /^250-mx\.test/);
    assert.match(ehlo, /^250[- ]SIZE \d+$/m);
    assert.match(ehlo, /^250[- ]STARTTLS$/m);
    assert.match(ehlo, /^250[- ]ENHANCEDSTATUSCODES$/m);
    assert.match(ehlo, /^250[- ]PIPELINING$/m);
    assert.doesNotMatch(ehlo, /AUTH/);
    await c.cmd('AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwdw==', /^50[02] /);
    await c.cmd('QUIT', /^221 /);
    c.close();
  });

  it('stores bare LF and bare CR line ends as CRLF, so the stored size is the size clients get', async () => {
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO client.example', /^250/);
    await c.cmd('MAIL FROM:<sender@remote.test>', /^250/);
    await c.cmd('RCPT TO:<alice@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    // written raw: LF-only lines, one CR-only line, one proper CRLF line, then the end of data
    c.write('Subject: bare line ends\nX-Kind: lf\n\nfirst line\nsecond\rthird\r\n.\r\n');
    await c.expect(/^250 /);
    await c.cmd('QUIT', /^221 /);
    c.close();
    const stored = (await inbox(store, dir.alice)).find((m) => m.text.includes('bare line ends'));
    assert.ok(stored);
    const body = stored.text.slice(stored.text.indexOf('Subject: bare line ends'));
    assert.equal(body, 'Subject: bare line ends\r\nX-Kind: lf\r\n\r\nfirst line\r\nsecond\r\nthird\r\n');
    assert.doesNotMatch(stored.text, /[^\r]\n|\r[^\n]/, 'no bare line end anywhere, the added headers included');
  });

  it('refuses an unknown local recipient with 550 5.1.1 at RCPT', async () => {
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO client.example', /^250/);
    await c.cmd('MAIL FROM:<sender@remote.test>', /^250 2\.1\.0 /);
    await c.cmd('RCPT TO:<nobody@example.test>', /^550 5\.1\.1 /);
    await c.cmd('RCPT TO:<alice@example.test>', /^250/);
    await c.cmd('QUIT', /^221 /);
    c.close();
  });

  it('accepts the domainless postmaster (RFC 5321 4.1.1.3) as postmaster of a local domain', async () => {
    await store.setAlias('postmaster@example.test', ['alice@example.test']);
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO client.example', /^250/);
    await c.cmd('MAIL FROM:<sender@remote.test>', /^250/);
    await c.cmd('RCPT TO:<Postmaster>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('Subject: to-the-postmaster\n\nhello\n'));
    await c.expect(/^250 /);
    c.close();
    assert.equal((await inbox(store, dir.alice)).filter((m) => m.text.includes('to-the-postmaster')).length, 1);
  });

  it('denies relaying for a stranger: 554 5.7.1', async () => {
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO client.example', /^250/);
    await c.cmd('MAIL FROM:<sender@remote.test>', /^250/);
    await c.cmd('RCPT TO:<victim@elsewhere.test>', /^554 5\.7\.1 Relay access denied/);
    await c.cmd('QUIT', /^221 /);
    c.close();
  });

  // smtp-server refuses some forms itself as bad syntax (501); the rest are ours (554 5.7.1).
  const TRICKS: ReadonlyArray<readonly [string, RegExp]> = [
    ['alice%victim.test@example.test', /^554 5\.7\.1 /],
    ['"alice@victim.test"@example.test', /^501 /],
    ['alice@victim.test@example.test', /^501 /],
    ['victim.test!alice@example.test', /^554 5\.7\.1 /],
    ['alice@[192.0.2.1]', /^554 5\.7\.1 /],
  ];
  // RFC 5321 says a source route is ignored: @example.test:victim@elsewhere.test is judged as victim@elsewhere.test.
  const SOURCE_ROUTE = '@example.test:victim@elsewhere.test';

  for (const from of [STRANGER, '127.0.0.1']) {
    it(`refuses every open-relay trick (from ${from === STRANGER ? 'a stranger' : 'a trusted network'})`, async () => {
      const before = outbound.committed.length;
      const c = await open(from);
      await c.expect(/^220 /);
      await c.cmd('EHLO client.example', /^250/);
      await c.cmd('MAIL FROM:<sender@remote.test>', /^250/);
      for (const [trick, refusal] of TRICKS) await c.cmd(`RCPT TO:<${trick}>`, refusal);
      if (from === STRANGER) await c.cmd(`RCPT TO:<${SOURCE_ROUTE}>`, /^554 5\.7\.1 Relay access denied/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock('Subject: tricks\n\nbody\n'));
      await c.expect(/^250 /);
      await c.cmd('QUIT', /^221 /);
      c.close();
      assert.equal(outbound.committed.length, before, 'nothing went to the outbound queue');
    });
  }

  it('lets a trusted network relay to remote recipients', async () => {
    const c = await open('127.0.0.1');
    await c.expect(/^220 /);
    await c.cmd('EHLO lan-host.example', /^250/);
    await c.cmd('MAIL FROM:<printer@lan.example>', /^250/);
    await c.cmd('RCPT TO:<partner@elsewhere.test>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('From: printer@lan.example\nTo: partner@elsewhere.test\nSubject: scan\n\nscan attached\n'));
    await c.expect(/^250 2\.0\.0 /);
    await c.cmd('QUIT', /^221 /);
    c.close();
    const last = outbound.committed.at(-1);
    assert.deepEqual(last?.recipients, ['partner@elsewhere.test']);
    assert.equal(last?.envelope.from, 'printer@lan.example');
  });

  it('stores a message to two users and an alias once, readable by each, with a Received header', async () => {
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO sender.remote.test', /^250/);
    await c.cmd('MAIL FROM:<news@remote.test>', /^250/);
    await c.cmd('RCPT TO:<alice@example.test>', /^250/);
    await c.cmd('RCPT TO:<Bob@Example.Test>', /^250/);
    await c.cmd('RCPT TO:<team@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    const subject = `once-${Date.now()}`;
    c.write(dataBlock(`From: news@remote.test\nTo: team@example.test\nSubject: ${subject}\n\nHello all.\n.leading dot\n`));
    await c.expect(/^250 2\.0\.0 Ok: queued as /);
    await c.cmd('QUIT', /^221 /);
    c.close();

    const a = (await inbox(store, dir.alice)).filter((m) => m.text.includes(subject));
    const b = (await inbox(store, dir.bob)).filter((m) => m.text.includes(subject));
    assert.equal(a.length, 1, 'alice gets one copy although reached twice');
    assert.equal(b.length, 1, 'bob gets one copy although reached twice');
    assert.equal(a[0]?.blobId, b[0]?.blobId, 'one stored body');
    const text = a[0]?.text ?? '';
    assert.match(
      text,
      /^Received: from sender\.remote\.test \(\[127\.0\.0\.9\]\)\r\n\tby mx\.test \(Pochta\) with ESMTP id \S+;\r\n\t\w{3}, /,
    );
    assert.match(text, /\r\n\.leading dot\r\n/, 'dot-stuffing undone');
    assert.doesNotMatch(text, /for <alice/, 'no for clause naming one of several recipients');
  });

  it('notes TLS in the Received header after STARTTLS', async () => {
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO tls.remote.test', /^250/);
    await c.startTls();
    const ehlo = await c.cmd('EHLO tls.remote.test', /^250/);
    assert.doesNotMatch(ehlo, /STARTTLS/);
    await c.cmd('MAIL FROM:<tls@remote.test>', /^250/);
    await c.cmd('RCPT TO:<alice@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('Subject: over-tls\n\nsecret-free body\n'));
    await c.expect(/^250 2\.0\.0 /);
    await c.cmd('QUIT', /^221 /);
    c.close();
    const [m] = (await inbox(store, dir.alice)).filter((x) => x.text.includes('over-tls'));
    assert.match(m?.text ?? '', /with ESMTPS id \S+\r\n\t\(version=TLSv1\.[23] cipher=\S+\)\r\n\tfor <alice@example\.test>;/);
  });

  it('delivers an alias that forwards off-box to the local member and the outbound queue', async () => {
    const before = outbound.committed.length;
    const c = await open();
    await c.expect(/^220 /);
    await c.cmd('EHLO sender.remote.test', /^250/);
    await c.cmd('MAIL FROM:<news@remote.test>', /^250/);
    await c.cmd('RCPT TO:<fwd@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('Subject: forwarded-one\n\nbody\n'));
    await c.expect(/^250 2\.0\.0 /);
    c.close();
    assert.equal(outbound.committed.length, before + 1);
    assert.deepEqual(outbound.committed.at(-1)?.recipients, ['someone@remote.test']);
    assert.equal((await inbox(store, dir.alice)).filter((m) => m.text.includes('forwarded-one')).length, 1);
  });

  it('logs connection ids and never message bodies', async () => {
    const text = logText(smtp.log.lines);
    assert.match(text, /"conn":"[^"]+"/);
    assert.doesNotMatch(text, /Hello all|secret-free body/);
  });
});
