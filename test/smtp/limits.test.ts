// The inbound limits over real sockets: message size (declared and actual),
// recipients per message, messages per minute per IP (on a fake clock),
// connections per IP and in total, directory-harvest slow-down then drop,
// over quota at RCPT, and a settings change applied without a restart.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailStore } from '../../firmware/store/types.ts';
import type { TlsFiles } from '../../firmware/supervisor/service.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { makeTlsFiles, type StartOptions, startSmtp, tempDir } from './helpers/harness.ts';
import { openTestStore, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

describe('inbound limits', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let store: MailStore;
  let tls: TlsFiles;
  let dns: TestDnsServer;

  before(async () => {
    const tmp = await tempDir('pochta-smtp-limits-');
    cleanup = tmp.cleanup;
    tls = await makeTlsFiles(tmp.dir);
    dns = await TestDnsServer.start();
    dir = await openTestStore(tmp.dir);
    store = dir.store;
  });

  after(async () => {
    await dir.close();
    await dns.close();
    await cleanup();
  });

  /** Run a listener with these settings for the duration of fn. */
  async function withListener(
    settings: Record<string, unknown>,
    fn: (open: (localAddress?: string) => Promise<Transcript>) => Promise<void>,
    extra: Partial<StartOptions> = {},
  ): Promise<void> {
    await store.setSettings({ 'dnsbl.zones': [], ...settings });
    const smtp = await startSmtp({ mode: 'smtp', store, tls, dns, ...extra });
    const open = async (localAddress = '127.0.0.9') => {
      const c = await Transcript.open({ port: smtp.port, localAddress });
      return c;
    };
    try {
      await fn(open);
    } finally {
      await smtp.stop();
      await store.setSettings(Object.fromEntries(Object.keys(settings).map((k) => [k, undefined])));
    }
  }

  async function hello(c: Transcript): Promise<string> {
    await c.expect(/^220 /);
    return c.cmd('EHLO client.example', /^250/);
  }

  it('advertises SIZE, refuses a declared and an actual oversize message, and the session goes on', async () => {
    await withListener({ 'limits.messageSize': 2048 }, async (open) => {
      const c = await open();
      const ehlo = await hello(c);
      assert.match(ehlo, /^250[- ]SIZE 2048$/m);
      await c.cmd('MAIL FROM:<big@remote.test> SIZE=999999', /^552 /);
      await c.cmd('MAIL FROM:<big@remote.test> SIZE=100', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock(`Subject: too big\n\n${'x'.repeat(70)}\n`.repeat(60)));
      await c.expect(/^552 5\.3\.4 /);
      await c.cmd('MAIL FROM:<small@remote.test>', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock('Subject: small\n\nfits\n'));
      await c.expect(/^250 2\.0\.0 /);
      c.close();
    });
  });

  it('caps recipients per message with 452 4.5.3', async () => {
    await withListener({ 'limits.recipientsPerMessage': 2 }, async (open) => {
      const c = await open();
      await hello(c);
      await c.cmd('MAIL FROM:<list@remote.test>', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('RCPT TO:<bob@example.test>', /^250/);
      await c.cmd('RCPT TO:<team@example.test>', /^452 4\.5\.3 /);
      await c.cmd('DATA', /^354/);
      c.write(dataBlock('Subject: two\n\nbody\n'));
      await c.expect(/^250 /);
      c.close();
    });
  });

  it('limits messages per minute per IP, on the injected clock', async () => {
    let t = Date.UTC(2026, 0, 1);
    await withListener(
      { 'limits.messagesPerMinutePerIp': 2 },
      async (open) => {
        const c = await open('127.0.0.20');
        await hello(c);
        await c.cmd('MAIL FROM:<a@remote.test>', /^250/);
        await c.cmd('RSET', /^250/);
        await c.cmd('MAIL FROM:<a@remote.test>', /^250/);
        await c.cmd('RSET', /^250/);
        await c.cmd('MAIL FROM:<a@remote.test>', /^451 4\.7\.1 /);
        // Another address is not affected.
        const other = await open('127.0.0.21');
        await hello(other);
        await other.cmd('MAIL FROM:<b@remote.test>', /^250/);
        other.close();
        t += 61_000;
        await c.cmd('MAIL FROM:<a@remote.test>', /^250/);
        c.close();
      },
      { now: () => t },
    );
  });

  it('limits connections per IP and in total with 421', async () => {
    await withListener({ 'limits.connectionsPerIp': 2, 'limits.connectionsTotal': 3 }, async (open) => {
      const a1 = await open('127.0.0.30');
      await a1.expect(/^220 /);
      const a2 = await open('127.0.0.30');
      await a2.expect(/^220 /);
      const a3 = await open('127.0.0.30');
      await a3.expect(/^421 4\.7\.0 /);
      await a3.closed();
      const b1 = await open('127.0.0.31');
      await b1.expect(/^220 /);
      const c1 = await open('127.0.0.32');
      await c1.expect(/^421 4\.3\.2 /);
      await c1.closed();
      // A slot freed by a client that leaves is reusable.
      await a1.cmd('QUIT', /^221 /);
      await a1.closed();
      // The server frees the slot once it has seen the close; try until it has.
      let c2: Transcript | undefined;
      for (let i = 0; i < 40 && !c2; i++) {
        const attempt = await open('127.0.0.32');
        if (/^220 /.test((await attempt.reply()) ?? '')) c2 = attempt;
        else {
          attempt.close();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.ok(c2, 'a freed slot is reusable');
      for (const c of [a2, b1, c2]) c.close();
    });
  });

  it('slows down directory harvesting, then drops the session', async () => {
    const slept: number[] = [];
    await withListener(
      {},
      async (open) => {
        const c = await open('127.0.0.40');
        await hello(c);
        await c.cmd('MAIL FROM:<harvester@remote.test>', /^250/);
        await c.cmd('RCPT TO:<a1@example.test>', /^550 5\.1\.1 /);
        await c.cmd('RCPT TO:<a2@example.test>', /^550 5\.1\.1 /);
        assert.deepEqual(slept, [], 'the first unknown recipients are answered at once');
        await c.cmd('RCPT TO:<a3@example.test>', /^550 5\.1\.1 /);
        await c.cmd('RCPT TO:<a4@example.test>', /^550 5\.1\.1 /);
        assert.deepEqual(slept, [10, 20], 'then each answer is slower');
        await c.cmd('RCPT TO:<a5@example.test>', /^421 4\.7\.1 /);
        await c.closed();
        // The harvester's address stays marked for a new session too.
        const again = await open('127.0.0.40');
        await hello(again);
        await again.cmd('MAIL FROM:<harvester@remote.test>', /^250/);
        await again.cmd('RCPT TO:<a6@example.test>', /^421 4\.7\.1 /);
        again.close();
      },
      {
        tuning: { harvestSlowAfter: 2, harvestDropAfter: 5, harvestDelayMs: 10 },
        sleep: async (ms) => {
          slept.push(ms);
        },
      },
    );
  });

  it('refuses a recipient whose mailbox is full with 452 4.2.2', async () => {
    await store.updateAccount(dir.bob, { quotaBytes: 1 });
    try {
      await withListener({}, async (open) => {
        const c = await open();
        await hello(c);
        // The first message may fill it past the quota: quota is checked against what is used.
        await c.cmd('MAIL FROM:<filler@remote.test>', /^250/);
        await c.cmd('RCPT TO:<bob@example.test>', /^(250|452)/);
        await c.cmd('RSET', /^250/);
        const used = (await store.getAccount(dir.bob))?.usedBytes ?? 0;
        if (used < 1) {
          await c.cmd('MAIL FROM:<filler@remote.test>', /^250/);
          await c.cmd('RCPT TO:<bob@example.test>', /^250/);
          await c.cmd('DATA', /^354/);
          c.write(dataBlock('Subject: filler\n\nbody\n'));
          await c.expect(/^(250|452)/);
        }
        await c.cmd('MAIL FROM:<late@remote.test>', /^250/);
        await c.cmd('RCPT TO:<bob@example.test>', /^452 4\.2\.2 /);
        await c.cmd('RCPT TO:<alice@example.test>', /^250/);
        c.close();
      });
    } finally {
      await store.updateAccount(dir.bob, { quotaBytes: 0 });
    }
  });

  it('applies a settings change to new connections without a restart', async () => {
    await withListener({ 'limits.recipientsPerMessage': 5 }, async (open) => {
      const c = await open();
      await hello(c);
      await c.cmd('MAIL FROM:<x@remote.test>', /^250/);
      await c.cmd('RCPT TO:<alice@example.test>', /^250/);
      await c.cmd('RCPT TO:<bob@example.test>', /^250/);
      c.close();
      await store.setSettings({ 'limits.recipientsPerMessage': 1, 'limits.messageSize': 4096 });
      // The change arrives as a store event; a new connection picks it up once it has.
      let d = await open();
      for (let i = 0; i < 40 && !/SIZE 4096/.test(await hello(d)); i++) {
        d.close();
        await new Promise((r) => setTimeout(r, 50));
        d = await open();
      }
      await d.cmd('MAIL FROM:<x@remote.test>', /^250/);
      await d.cmd('RCPT TO:<alice@example.test>', /^250/);
      await d.cmd('RCPT TO:<bob@example.test>', /^452 4\.5\.3 /);
      d.close();
    });
    await store.setSettings({ 'limits.messageSize': undefined });
  });
});
