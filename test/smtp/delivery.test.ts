// The local DeliveryTarget and the router on the real store: refusals at RCPT,
// the Junk rule, relay refusal without permission, and a storage failure at
// commit answered as a temporary error with nothing half-written — both
// directly and as the SMTP client sees it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalTarget } from '../../firmware/delivery/local.ts';
import { createRouter } from '../../firmware/delivery/router.ts';
import type { Envelope } from '../../firmware/delivery/target.ts';
import { type ScriptedFaults, scriptedFaults } from '../../firmware/store/index.ts';
import type { MailStore } from '../../firmware/store/types.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { makeTlsFiles, startSmtp, tempDir } from './helpers/harness.ts';
import { recordingTarget } from './helpers/recording-target.ts';
import { inbox, openTestStore, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

const envelope = (over: Partial<Envelope> = {}): Envelope => ({
  from: 'sender@remote.test',
  messageId: `m${Math.random().toString(36).slice(2)}`,
  mayRelay: false,
  client: { sessionId: 's', listener: 'smtp', remoteAddress: '192.0.2.1', secure: false, esmtp: true, helo: 'remote.test' },
  ...over,
});
const body = (subject: string) => new TextEncoder().encode(`Subject: ${subject}\r\n\r\nbody\r\n`);

describe('local delivery target and router', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let store: MailStore;
  let faults: ScriptedFaults;
  let tmpDir: string;

  before(async () => {
    const tmp = await tempDir('pochta-delivery-');
    cleanup = tmp.cleanup;
    tmpDir = tmp.dir;
    faults = scriptedFaults();
    dir = await openTestStore(tmp.dir, { faults });
    store = dir.store;
  });

  after(async () => {
    await dir.close();
    await cleanup();
  });

  const local = () => createLocalTarget({ store, hostname: 'mx.test', now: Date.now });

  it('refuses unknown users and disabled accounts at RCPT', async () => {
    const tx = local().start(envelope());
    const unknown = await tx.addRecipient('ghost@example.test');
    assert.equal(unknown.ok, false);
    if (!unknown.ok) assert.deepEqual([unknown.error.smtp, unknown.error.enhanced], [550, '5.1.1']);
    await store.updateAccount(dir.bob, { enabled: false });
    try {
      const disabled = await tx.addRecipient('bob@example.test');
      assert.equal(disabled.ok, false);
      if (!disabled.ok) assert.equal(disabled.error.code, 'ACCOUNT_DISABLED');
      // A list with one disabled member still delivers to the others.
      assert.deepEqual(await tx.addRecipient('team@example.test'), { ok: true });
    } finally {
      await store.updateAccount(dir.bob, { enabled: true });
    }
    tx.abort();
  });

  it('files into Junk only when the score is above the account threshold', async () => {
    await store.updateAccount(dir.alice, { junkThreshold: 3 });
    try {
      for (const [score, subject] of [
        [3, 'junk-at-threshold'],
        [4, 'junk-above-threshold'],
      ] as const) {
        const tx = local().start(envelope());
        assert.deepEqual(await tx.addRecipient('alice@example.test'), { ok: true });
        tx.body(body(subject), { score });
        const result = await tx.commit();
        assert.equal(result.ok, true);
      }
      const junk = (await inbox(store, dir.alice, 'Junk')).map((m) => m.text);
      const inboxed = (await inbox(store, dir.alice)).map((m) => m.text);
      assert.ok(junk.some((t) => t.includes('junk-above-threshold')));
      assert.ok(inboxed.some((t) => t.includes('junk-at-threshold')));
    } finally {
      await store.updateAccount(dir.alice, { junkThreshold: 0 });
    }
  });

  it('refuses at RCPT a recipient the declared SIZE would not fit', async () => {
    await store.updateAccount(dir.bob, { quotaBytes: 10_000 });
    try {
      const tx = local().start(envelope({ declaredSize: 20_000 }));
      const r = await tx.addRecipient('bob@example.test');
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([r.error.smtp, r.error.enhanced], [452, '4.2.2']);
      assert.deepEqual(
        await local()
          .start(envelope({ declaredSize: 2_000 }))
          .addRecipient('bob@example.test'),
        { ok: true },
      );
    } finally {
      await store.updateAccount(dir.bob, { quotaBytes: 0 });
    }
  });

  it('bounces to the sender a recipient whose mailbox filled up between RCPT and commit', async () => {
    const tx = local().start(envelope({ from: 'carol@remote.test' }));
    assert.deepEqual(await tx.addRecipient('alice@example.test'), { ok: true });
    assert.deepEqual(await tx.addRecipient('bob@example.test'), { ok: true });
    await store.updateAccount(dir.bob, { quotaBytes: 1 });
    try {
      tx.body(body('filled-in-between'));
      const result = await tx.commit();
      assert.equal(result.ok, true, 'alice has it, so the client hears 250');
      if (result.ok)
        assert.deepEqual(
          result.failed.map((f) => [f.address, f.error.enhanced]),
          [['bob@example.test', '4.2.2']],
        );
      const bounce = (await store.listQueue()).find((q) => q.from === '' && q.recipients.some((r) => r.address === 'carol@remote.test'));
      assert.ok(bounce, 'a DSN to the sender is queued with the null sender');
      const text = Buffer.from((await store.readBody(bounce.blobId)) ?? new Uint8Array()).toString();
      assert.match(text, /Final-Recipient: rfc822; ?bob@example\.test/i);
      assert.match(text, /Subject: filled-in-between/);
      assert.equal((await inbox(store, dir.bob)).filter((m) => m.text.includes('filled-in-between')).length, 0);
    } finally {
      await store.updateAccount(dir.bob, { quotaBytes: 0 });
    }
  });

  it('delivers a list with a full member to the others and bounces the full one', async () => {
    await store.updateAccount(dir.bob, { quotaBytes: 1 });
    try {
      const tx = local().start(envelope({ from: 'dave@remote.test' }));
      assert.deepEqual(await tx.addRecipient('team@example.test'), { ok: true });
      tx.body(body('list-with-full-member'));
      const result = await tx.commit();
      assert.equal(result.ok, true);
      if (result.ok)
        assert.deepEqual(
          result.failed.map((f) => f.address),
          ['team@example.test'],
        );
      assert.equal((await inbox(store, dir.alice)).filter((m) => m.text.includes('list-with-full-member')).length, 1);
      const bounce = (await store.listQueue()).find((q) => q.recipients.some((r) => r.address === 'dave@remote.test'));
      assert.ok(bounce, 'the sender hears about the member that could not take it');
    } finally {
      await store.updateAccount(dir.bob, { quotaBytes: 0 });
    }
  });

  it('routes: remote recipients need relay permission; forwards need an outbound target', async () => {
    const outbound = recordingTarget();
    const denied = createRouter({ store, local: local(), outbound }).start(envelope());
    const r = await denied.addRecipient('x@elsewhere.test');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.error.smtp, r.error.enhanced], [554, '5.7.1']);
    // A forwarding alias is fine without relay permission: the forward is ours.
    assert.deepEqual(await denied.addRecipient('fwd@example.test'), { ok: true });
    denied.body(body('forwarded'));
    const done = await denied.commit();
    assert.equal(done.ok, true);
    assert.deepEqual(outbound.committed[0]?.recipients, ['someone@remote.test']);

    const noOutbound = createRouter({ store, local: local() }).start(envelope({ mayRelay: true }));
    const t = await noOutbound.addRecipient('x@elsewhere.test');
    assert.equal(t.ok, false);
    if (!t.ok) assert.equal(t.error.temporary, true);
  });

  it('answers a storage failure at commit with a temporary error and stores nothing', async () => {
    const before = (await inbox(store, dir.alice)).length;
    const tx = local().start(envelope());
    await tx.addRecipient('alice@example.test');
    tx.body(body('disk-full-direct'));
    // a small body goes into the delivery's database batch: that write fails
    faults.failAt('db-batch', 1, 'ENOSPC');
    const result = await tx.commit();
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.temporary, true);
      assert.equal(result.error.smtp, 452);
    }
    assert.equal((await inbox(store, dir.alice)).length, before);
  });

  it('tells the SMTP client 4xx on a disk failure, and the retry succeeds', async () => {
    const dns = await TestDnsServer.start();
    await store.setSettings({ 'dnsbl.zones': [] });
    const smtp = await startSmtp({ mode: 'smtp', store, tls: await makeTlsFiles(tmpDir), dns });
    try {
      const c = await Transcript.open({ port: smtp.port, localAddress: '127.0.0.9' });
      await c.expect(/^220 /);
      await c.cmd('EHLO remote.test', /^250/);
      for (const expected of [/^452 4\.3\.1 /, /^250 2\.0\.0 /]) {
        await c.cmd('MAIL FROM:<sender@remote.test>', /^250/);
        await c.cmd('RCPT TO:<alice@example.test>', /^250/);
        await c.cmd('DATA', /^354/);
        faults.clear();
        if (expected.source.startsWith('^452')) faults.failAt('db-batch', 1, 'ENOSPC');
        c.write(dataBlock('Subject: disk-trouble\n\nbody\n'));
        await c.expect(expected);
      }
      c.close();
      assert.equal((await inbox(store, dir.alice)).filter((m) => m.text.includes('disk-trouble')).length, 1);
    } finally {
      faults.clear();
      await smtp.stop();
      await dns.close();
    }
  });
});
