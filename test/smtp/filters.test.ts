// DNSBL and SPF/DKIM/DMARC on the inbound listener, with every DNS answer
// coming from a DNS server the test runs on loopback: listed and unlisted
// clients at connect, rejection at RCPT, a zone that never answers, the
// trusted network never checked, Authentication-Results written, DMARC
// p=reject honoured (or not, per setting), and the per-user Junk rule.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailStore } from '../../firmware/store/types.ts';
import type { TlsFiles } from '../../firmware/supervisor/service.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { makeTlsFiles, startSmtp, tempDir } from './helpers/harness.ts';
import { inbox, openTestStore, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

const LISTED = '127.0.0.9';
const CLEAN = '127.0.0.10';

describe('inbound filters', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let store: MailStore;
  let tls: TlsFiles;
  let dns: TestDnsServer;

  before(async () => {
    const tmp = await tempDir('pochta-smtp-filters-');
    cleanup = tmp.cleanup;
    tls = await makeTlsFiles(tmp.dir);
    dns = await TestDnsServer.start();
    // The zone answers its own probe correctly (127.0.0.2 listed, 127.0.0.1 not) and lists LISTED.
    dns.add('2.0.0.127.bl.test', { type: 'A', address: '127.0.0.2' });
    dns.add('9.0.0.127.bl.test', { type: 'A', address: '127.0.0.2' });
    dns.add('2.0.0.127.slow.test', { type: 'A', address: '127.0.0.2' });
    // ::1 in nibble form (RFC 5782), for the IPv6 case.
    dns.add(`1.${'0.'.repeat(31)}bl.test`, { type: 'A', address: '127.0.0.2' });
    // SPF and DMARC of two sender domains.
    dns.add('good.test', { type: 'TXT', text: `v=spf1 ip4:${CLEAN} -all` });
    dns.add('strict.test', { type: 'TXT', text: 'v=spf1 -all' });
    dns.add('_dmarc.strict.test', { type: 'TXT', text: 'v=DMARC1; p=reject' });
    dir = await openTestStore(tmp.dir);
    store = dir.store;
  });

  after(async () => {
    await dir.close();
    await dns.close();
    await cleanup();
  });

  async function listener(settings: Record<string, unknown>, host?: string) {
    await store.setSettings({ 'dnsbl.zones': [{ zone: 'bl.test', weight: 1 }], 'dnsbl.threshold': 1, ...settings });
    return startSmtp({ mode: 'smtp', store, tls, dns, ...(host ? { host } : {}) });
  }

  it('refuses a listed client at connect with 554 5.7.1 naming the zone, and accepts an unlisted one', async () => {
    const smtp = await listener({ 'dnsbl.rejectAt': 'connect' });
    try {
      const bad = await Transcript.open({ port: smtp.port, localAddress: LISTED });
      const reply = await bad.expect(/^554 5\.7\.1 /);
      assert.match(reply, /bl\.test/);
      assert.match(reply, /https?:\/\//, 'a lookup link');
      await bad.closed();
      const good = await Transcript.open({ port: smtp.port, localAddress: CLEAN });
      await good.expect(/^220 /);
      good.close();
      // The trusted network is never looked up.
      const before = dns.queries('1.0.0.127.bl.test', 'A');
      const lan = await Transcript.open({ port: smtp.port, localAddress: '127.0.0.1' });
      await lan.expect(/^220 /);
      lan.close();
      assert.equal(dns.queries('1.0.0.127.bl.test', 'A') - before, 0);
    } finally {
      await smtp.stop();
    }
  });

  it('checks IPv6 clients by nibble name', async () => {
    // ::1 is trusted by default; here it plays a stranger.
    const smtp = await listener({ 'dnsbl.rejectAt': 'connect', 'relay.trustedNetworks': [] }, '::1');
    try {
      const c = await Transcript.open({ port: smtp.port, host: '::1' });
      const reply = await c.expect(/^554 5\.7\.1 /);
      assert.match(reply, /\[::1\].*bl\.test/);
      await c.closed();
    } finally {
      await smtp.stop();
      await store.setSettings({ 'relay.trustedNetworks': undefined });
    }
  });

  it('can refuse a listed client at RCPT instead', async () => {
    const smtp = await listener({ 'dnsbl.rejectAt': 'rcpt' });
    try {
      const c = await Transcript.open({ port: smtp.port, localAddress: LISTED });
      await c.expect(/^220 /);
      await c.cmd('EHLO spammer.example', /^250/);
      await c.cmd('MAIL FROM:<x@remote.test>', /^250/);
      const reply = await c.cmd('RCPT TO:<alice@example.test>', /^554 5\.7\.1 /);
      assert.match(reply, /bl\.test/);
      c.close();
    } finally {
      await smtp.stop();
    }
  });

  it('skips a zone that does not answer in time, and mail flows', async () => {
    dns.behave('10.0.0.127.slow.test', { kind: 'drop' });
    const smtp = await listener({ 'dnsbl.zones': [{ zone: 'slow.test', weight: 1 }], 'dnsbl.timeoutMs': 200 });
    try {
      const c = await Transcript.open({ port: smtp.port, localAddress: CLEAN });
      await c.expect(/^220 /);
      c.close();
    } finally {
      await smtp.stop();
      dns.behave('10.0.0.127.slow.test', undefined);
    }
  });

  it('writes Authentication-Results with the SPF verdict', async () => {
    const smtp = await listener({ 'dnsbl.zones': [] });
    try {
      const c = await Transcript.open({ port: smtp.port, localAddress: CLEAN });
      await c.expect(/^220 /);
      await c.cmd('EHLO mail.good.test', /^250/);
      await c.cmd('MAIL FROM:<news@good.test>', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock('From: news@good.test\nTo: alice@example.test\nSubject: spf-pass-1\nMessage-ID: <1@good.test>\n\nbody\n'));
      await c.expect(/^250 /);
      c.close();
      const [m] = (await inbox(store, dir.alice)).filter((x) => x.text.includes('spf-pass-1'));
      assert.ok(m);
      assert.match(m.text, /^Received: /, 'our Received header on top');
      assert.match(m.text, /\r\nAuthentication-Results: mx\.test;[\s\S]*spf=pass/);
    } finally {
      await smtp.stop();
    }
  });

  it('honours DMARC p=reject, or files the message as Junk when enforcement is off', async () => {
    const message = dataBlock('From: boss@strict.test\nTo: alice@example.test\nSubject: dmarc-fail-1\n\nwire money\n');
    const send = async (port: number) => {
      const c = await Transcript.open({ port, localAddress: CLEAN });
      await c.expect(/^220 /);
      await c.cmd('EHLO forged.example', /^250/);
      await c.cmd('MAIL FROM:<boss@strict.test>', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(message);
      const reply = await c.reply();
      c.close();
      return reply ?? '';
    };
    let smtp = await listener({ 'dnsbl.zones': [], 'dmarc.enforceReject': true });
    try {
      assert.match(await send(smtp.port), /^550 5\.7\.1 .*DMARC/);
    } finally {
      await smtp.stop();
    }
    await store.updateAccount(dir.alice, { junkThreshold: 1 });
    smtp = await listener({ 'dnsbl.zones': [], 'dmarc.enforceReject': false });
    try {
      assert.match(await send(smtp.port), /^250 /);
      const junk = (await inbox(store, dir.alice, 'Junk')).filter((x) => x.text.includes('dmarc-fail-1'));
      const inInbox = (await inbox(store, dir.alice)).filter((x) => x.text.includes('dmarc-fail-1'));
      assert.equal(junk.length, 1, 'filed as Junk');
      assert.equal(inInbox.length, 0);
      assert.match(junk[0]?.text ?? '', /dmarc=fail/);
    } finally {
      await smtp.stop();
      await store.updateAccount(dir.alice, { junkThreshold: 0 });
    }
  });
});
