// Direct (MX) delivery from the queue, over real sockets: the test DNS server
// answers MX/A, smtp-server sinks on 127.0.0.x play the remote hosts, the real
// store sits in a temp dir, and the clock is fake.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { QueueRunner } from '../../firmware/delivery/outbound/runner.ts';
import type { MailStore } from '../../firmware/store/types.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { parseDsn } from './support/dsn-parse.ts';
import {
  FakeClock,
  HOUR,
  inboxTexts,
  type LogLine,
  MINUTE,
  message,
  type StoreFixture,
  selfSignedCert,
  T0,
  tempDir,
  tempStore,
  testRunner,
} from './support/harness.ts';
import { type SmtpSink, startSinksOnOnePort } from './support/smtp-sink.ts';

describe('outbound queue: direct MX delivery', () => {
  let dns: TestDnsServer;
  let mx1: SmtpSink; // 127.0.0.2, preference 10 for far.test
  let mx2: SmtpSink; // 127.0.0.3, preference 20 for far.test; also nomx.test's A
  let tlsMx: SmtpSink; // 127.0.0.21, offers STARTTLS with a self-signed certificate
  let smallMx: SmtpSink; // 127.0.0.13, advertises SIZE 200
  let v6Mx: SmtpSink; // ::1, the AAAA of v6.test
  let certDir: { dir: string; remove(): Promise<void> };
  let port: number;
  /** What mx1 answers to RCPT, per address (default accept). */
  const rcptReplies = new Map<string, string[]>();
  /** What the MX answers at the end of DATA, by the first recipient (default accept). */
  const dataReplies = new Map<string, string[]>();

  before(async () => {
    dns = await TestDnsServer.start();
    const replyFor = (address: string) => rcptReplies.get(address)?.shift();
    certDir = await tempDir();
    // A certificate no one trusts, for a name other than the MX name: direct delivery still uses it.
    const cert = await selfSignedCert(certDir.dir, 'some-other-name.test');
    const special: Record<string, object> = { '127.0.0.21': { tls: cert }, '127.0.0.13': { size: 200 } };
    [mx1, mx2, tlsMx, smallMx, v6Mx] = (await startSinksOnOnePort(
      ['127.0.0.2', '127.0.0.3', '127.0.0.21', '127.0.0.13', '::1'],
      (host) => ({
        onRcpt: replyFor,
        onData: (_from: string, to: readonly string[]) => dataReplies.get(to[0] ?? '')?.shift(),
        ...(special[host] ?? {}),
      }),
    )) as [SmtpSink, SmtpSink, SmtpSink, SmtpSink, SmtpSink];
    port = mx1.port;
    dns
      .add('far.test', { type: 'MX', exchange: 'mx2.far.test', priority: 20 }, { type: 'MX', exchange: 'mx1.far.test', priority: 10 })
      .add('mx1.far.test', { type: 'A', address: '127.0.0.2' })
      .add('mx2.far.test', { type: 'A', address: '127.0.0.3' })
      // Preference 10 has no server listening: the runner must move on to 20.
      .add('down.test', { type: 'MX', exchange: 'dead.down.test', priority: 10 }, { type: 'MX', exchange: 'mx2.far.test', priority: 20 })
      .add('dead.down.test', { type: 'A', address: '127.0.0.5' })
      .add('nomx.test', { type: 'A', address: '127.0.0.3' })
      .add('nullmx.test', { type: 'MX', exchange: '.', priority: 0 })
      .add('sender.test', { type: 'MX', exchange: 'mx1.far.test', priority: 10 })
      .add('loop.test', { type: 'MX', exchange: 'box.here.test', priority: 10 })
      .add('v6.test', { type: 'AAAA', address: '::1' })
      .add('small.test', { type: 'A', address: '127.0.0.13' })
      .add('tls.test', { type: 'MX', exchange: 'mx.tls.test', priority: 10 })
      .add('mx.tls.test', { type: 'A', address: '127.0.0.21' });
  });

  after(async () => {
    await Promise.all([mx1?.close(), mx2?.close(), tlsMx?.close(), smallMx?.close(), v6Mx?.close(), dns?.close(), certDir?.remove()]);
  });

  let clock: FakeClock;
  let fx: StoreFixture;
  let store: MailStore;
  let runner: QueueRunner;
  let logLines: LogLine[];
  let annId: string;

  beforeEach(async () => {
    clock = new FakeClock();
    fx = await tempStore(clock);
    store = fx.store;
    await store.addDomain('here.test');
    annId = (await store.createAccount({ address: 'ann@here.test', passwordHash: 'x' })).id;
    const made = testRunner(store, clock, dns, { mxPort: port });
    runner = made.runner;
    logLines = made.log.lines;
    mx1.received.length = 0;
    mx2.received.length = 0;
    mx1.rcpts.length = 0;
    mx2.rcpts.length = 0;
    rcptReplies.clear();
    dataReplies.clear();
  });

  afterEach(async () => {
    await fx.close();
  });

  it('delivers to the preferred MX and removes the item', async () => {
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test', 'cid@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Hello MX'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.delivered, 2);
    assert.equal(mx1.received.length, 1, 'one transaction for both recipients of the domain');
    assert.deepEqual(mx1.received[0]?.to, ['bob@far.test', 'cid@far.test']);
    assert.equal(mx1.received[0]?.from, 'ann@here.test');
    assert.match(mx1.received[0]?.body.toString() ?? '', /\r\n\.leading dot line\r\n/);
    assert.equal(mx2.received.length, 0);
    assert.equal(await store.getQueueItem(item.id), undefined);
  });

  it('uses STARTTLS when offered, without insisting on a trusted certificate', async () => {
    await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@tls.test'],
      body: message('ann@here.test', 'bob@tls.test', 'Over TLS'),
    });
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.equal(tlsMx.received.length, 1);
    assert.equal(tlsMx.received[0]?.secure, true);
    assert.equal(mx1.received.length, 0, 'plain-text hosts are not used for it');
    tlsMx.received.length = 0;
  });

  it('moves on to the next MX when the preferred one does not answer', async () => {
    await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@down.test'],
      body: message('ann@here.test', 'bob@down.test', 'Second MX'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.delivered, 1);
    assert.equal(mx2.received.length, 1);
    assert.deepEqual(mx2.received[0]?.to, ['bob@down.test']);
  });

  it('falls back to the A record when the domain has no MX', async () => {
    await store.enqueue({ from: 'ann@here.test', recipients: ['bob@nomx.test'], body: message('ann@here.test', 'bob@nomx.test', 'No MX') });
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.deepEqual(mx2.received[0]?.to, ['bob@nomx.test']);
  });

  it('falls back to the AAAA record when there is neither MX nor A', async () => {
    await store.enqueue({ from: 'ann@here.test', recipients: ['bob@v6.test'], body: message('ann@here.test', 'bob@v6.test', 'IPv6 only') });
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.deepEqual(v6Mx.received[0]?.to, ['bob@v6.test']);
  });

  it('retries a 4xx after the backoff and then delivers', async () => {
    rcptReplies.set('bob@far.test', ['451 4.7.1 Greylisted, come back later']);
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Greylisted'),
    });
    const first = await runner.runOnce();
    assert.equal(first.deferred, 1);
    const waiting = await store.getQueueItem(item.id);
    assert.equal(waiting?.nextAttemptAt, T0 + 5 * MINUTE);
    assert.equal(waiting?.recipients[0]?.status, 'pending');
    assert.equal(waiting?.recipients[0]?.lastError, '451 4.7.1 Greylisted, come back later');
    // Not due yet: nothing happens.
    clock.advance(4 * MINUTE);
    assert.equal((await runner.runOnce()).attempted, 0);
    assert.equal(mx1.received.length, 0);
    clock.advance(MINUTE);
    const second = await runner.runOnce();
    assert.equal(second.delivered, 1);
    assert.equal(mx1.received.length, 1);
    assert.equal(await store.getQueueItem(item.id), undefined);
    assert.equal((await inboxTexts(store, annId)).length, 0, 'no notice for a delivered message');
  });

  it('bounces a 5xx to a local sender with an RFC 3464 report, and delivers the rest', async () => {
    rcptReplies.set('nobody@far.test', ['550 5.1.1 <nobody@far.test>: No such user here']);
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test', 'nobody@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Partly wrong'),
    });
    clock.advance(30_000);
    const summary = await runner.runOnce();
    assert.equal(summary.delivered, 1);
    assert.equal(summary.failed, 1);
    assert.equal(summary.bounces, 1);
    assert.deepEqual(mx1.received[0]?.to, ['bob@far.test']);
    assert.equal(await store.getQueueItem(item.id), undefined);

    const inbox = await inboxTexts(store, annId);
    assert.equal(inbox.length, 1);
    const dsn = parseDsn(Buffer.from(inbox[0] ?? ''));
    assert.equal(dsn.headers.get('from'), 'Mail Delivery System <MAILER-DAEMON@box.here.test>');
    assert.equal(dsn.headers.get('to'), '<ann@here.test>');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.equal(dsn.perMessage.get('reporting-mta'), 'dns; box.here.test');
    assert.equal(dsn.perMessage.get('arrival-date'), 'Fri, 27 Nov 2026 09:00:00 +0000');
    assert.equal(dsn.recipients.length, 1, 'only the failed recipient is reported');
    const r = dsn.recipients[0];
    assert.equal(r?.get('final-recipient'), 'rfc822; nobody@far.test');
    assert.equal(r?.get('action'), 'failed');
    assert.equal(r?.get('status'), '5.1.1');
    assert.equal(r?.get('remote-mta'), 'dns; mx1.far.test');
    assert.equal(r?.get('diagnostic-code'), 'smtp; 550 5.1.1 <nobody@far.test>: No such user here');
    assert.equal(r?.get('last-attempt-date'), 'Fri, 27 Nov 2026 09:00:30 +0000');
    assert.match(dsn.originalHeaders, /^Subject: Partly wrong$/m);
    assert.match(dsn.originalHeaders, /^Message-ID: <Partlywrong@test>$/m);
  });

  it('applies a refusal at the end of DATA to every accepted recipient', async () => {
    dataReplies.set('bob@far.test', ['554 5.6.0 Message content rejected', '452 4.3.1 Out of memory']);
    await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test', 'cid@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Rejected content'),
    });
    const first = await runner.runOnce();
    assert.equal(first.failed, 2);
    const dsn = parseDsn(Buffer.from((await inboxTexts(store, annId))[0] ?? ''));
    assert.deepEqual(
      dsn.recipients.map((r) => [r.get('final-recipient'), r.get('status')]),
      [
        ['rfc822; bob@far.test', '5.6.0'],
        ['rfc822; cid@far.test', '5.6.0'],
      ],
    );
    // A 4xx at the end of DATA defers them instead.
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Deferred content'),
    });
    assert.equal((await runner.runOnce()).deferred, 1);
    assert.equal((await store.getQueueItem(item.id))?.recipients[0]?.lastError, '452 4.3.1 Out of memory');
  });

  it('fails a null-MX domain at once with 5.1.10 and bounces', async () => {
    await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@nullmx.test'],
      body: message('ann@here.test', 'bob@nullmx.test', 'Null MX'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.failed, 1);
    const dsn = parseDsn(Buffer.from((await inboxTexts(store, annId))[0] ?? ''));
    assert.equal(dsn.recipients[0]?.get('status'), '5.1.10');
    assert.match(dsn.recipients[0]?.get('diagnostic-code') ?? '', /^smtp; 556 5\.1\.10 /);
    assert.equal(mx1.connections + mx2.connections >= 0, true);
    assert.equal(mx1.received.length + mx2.received.length, 0);
  });

  it('sends one delay notice after 4 hours and bounces at expiry (5 days)', async () => {
    const replies = Array.from({ length: 100 }, () => '421 4.3.2 System not accepting network messages');
    rcptReplies.set('bob@far.test', replies);
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Never gets there'),
    });
    let attempts = 0;
    let delayNotices = 0;
    let bounces = 0;
    const noticeTimes: number[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const s = await runner.runOnce();
      attempts += s.attempted;
      delayNotices += s.delayNotices;
      bounces += s.bounces;
      if (s.delayNotices > 0) noticeTimes.push(clock.t - T0);
      const left = await store.getQueueItem(item.id);
      if (left === undefined) break;
      clock.t = left.nextAttemptAt;
    }
    assert.equal(await store.getQueueItem(item.id), undefined, 'given up and removed');
    assert.equal(delayNotices, 1);
    assert.ok(noticeTimes[0] !== undefined && noticeTimes[0] >= 4 * HOUR && noticeTimes[0] < 8 * HOUR, `notice at ${noticeTimes[0]}`);
    assert.equal(bounces, 1);
    assert.equal(clock.t, T0 + 120 * HOUR, 'the last attempt is at the expiry');
    assert.ok(attempts >= 33 && attempts <= 36, `attempts ${attempts}`);
    const inbox = (await inboxTexts(store, annId)).map((m) => parseDsn(Buffer.from(m)));
    assert.equal(inbox.length, 2);
    const [delay, bounce] = inbox;
    assert.equal(delay?.recipients[0]?.get('action'), 'delayed');
    assert.equal(delay?.recipients[0]?.get('status'), '4.3.2', delay?.recipients[0]?.get('diagnostic-code'));
    assert.equal(delay?.recipients[0]?.get('will-retry-until'), 'Wed, 2 Dec 2026 09:00:00 +0000');
    assert.equal(bounce?.recipients[0]?.get('action'), 'failed');
    assert.equal(bounce?.recipients[0]?.get('status'), '4.4.7');
    assert.equal(bounce?.recipients[0]?.get('diagnostic-code'), 'smtp; 421 4.3.2 System not accepting network messages');
  });

  it('honours a shorter queue lifetime from the settings', async () => {
    await store.setSettings({ 'queue.lifetimeHours': 1, 'queue.delayNoticeHours': 2 });
    rcptReplies.set(
      'bob@far.test',
      Array.from({ length: 10 }, () => '450 4.2.1 try later'),
    );
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', 'Short life'),
    });
    for (let guard = 0; guard < 20; guard++) {
      await runner.runOnce();
      const left = await store.getQueueItem(item.id);
      if (left === undefined) break;
      clock.t = left.nextAttemptAt;
    }
    assert.equal(clock.t, T0 + HOUR);
    const inbox = await inboxTexts(store, annId);
    assert.equal(inbox.length, 1, 'a bounce, and no delay notice (lifetime shorter than the notice delay)');
  });

  it('refuses to send to a domain whose MX is this box (5.4.6)', async () => {
    await store.enqueue({ from: 'ann@here.test', recipients: ['bob@loop.test'], body: message('ann@here.test', 'bob@loop.test', 'Loop') });
    assert.equal((await runner.runOnce()).failed, 1);
    const dsn = parseDsn(Buffer.from((await inboxTexts(store, annId))[0] ?? ''));
    assert.equal(dsn.recipients[0]?.get('status'), '5.4.6');
  });

  it('fails a message larger than the SIZE the MX advertises (5.3.4), without retrying', async () => {
    await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@small.test'],
      body: message('ann@here.test', 'bob@small.test', 'Too big'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.failed, 1);
    assert.equal(smallMx.received.length, 0);
    const dsn = parseDsn(Buffer.from((await inboxTexts(store, annId))[0] ?? ''));
    assert.equal(dsn.recipients[0]?.get('status'), '5.3.4');
    assert.equal(dsn.recipients[0]?.get('remote-mta'), 'dns; small.test');
  });

  it('never bounces a bounce (null envelope sender)', async () => {
    rcptReplies.set('nobody@far.test', ['550 5.1.1 No such user']);
    const item = await store.enqueue({
      from: '',
      recipients: ['nobody@far.test'],
      body: message('mailer-daemon@here.test', 'nobody@far.test', 'A bounce'),
    });
    const summary = await runner.runOnce();
    assert.equal(summary.failed, 1);
    assert.equal(summary.bounces, 0);
    assert.equal(await store.getQueueItem(item.id), undefined);
    assert.deepEqual(await store.listQueue(), []);
    assert.equal((await inboxTexts(store, annId)).length, 0);
    assert.ok(logLines.some((l) => l.level === 'warn' && /null sender/.test(l.msg ?? '')));
  });

  it('queues the bounce for a remote sender with the null sender', async () => {
    rcptReplies.set('nobody@far.test', ['550 5.1.1 No such user']);
    await store.enqueue({
      from: 'zoe@sender.test',
      recipients: ['nobody@far.test'],
      body: message('zoe@sender.test', 'nobody@far.test', 'Relayed'),
    });
    await runner.runOnce();
    const queued = await store.listQueue();
    assert.equal(queued.length, 1);
    assert.equal(queued[0]?.from, '');
    assert.deepEqual(
      queued[0]?.recipients.map((r) => r.address),
      ['zoe@sender.test'],
    );
    // The next pass delivers it to the sender's MX with MAIL FROM:<>.
    await runner.runOnce();
    const got = mx1.received.find((m) => m.to.includes('zoe@sender.test'));
    assert.equal(got?.from, '');
    assert.equal(parseDsn(got?.body ?? Buffer.alloc(0)).recipients[0]?.get('final-recipient'), 'rfc822; nobody@far.test');
  });

  it('keeps the item when nothing answers, and picks it up again after a restart of the runner', async () => {
    const item = await store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@down.test'],
      body: message('ann@here.test', 'bob@down.test', 'Restart'),
    });
    // A fresh runner (as after a restart) reads the queue from the store.
    const fresh = testRunner(store, clock, dns, { mxPort: port }).runner;
    assert.equal((await fresh.runOnce()).delivered, 1);
    assert.equal(await store.getQueueItem(item.id), undefined);
  });
});
