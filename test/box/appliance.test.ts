// An appliance-mode daemon (no --dev) with the simulated board, under a fake
// systemd: NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them, and
// POCHTA_SYSTEMD_NOTIFY pointing at a script that records each message
// instead of the real systemd-notify. Checks: the debug verb and action do
// not exist; READY=1, WATCHDOG=1 and STOPPING=1 are sent; the long press
// resets admin access and leaves every message in place; the implicit-TLS
// listener runs under its TLS probe.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { runPochta, startDaemon, type TestDaemon } from '../support/daemon.ts';
import { TestClient } from '../unit/imap/client.ts';
import { listener, waitFor } from './support.ts';

const USERS = [
  { address: 'ann@example.test', password: 'Quite-Long-Password-71' },
  { address: 'bob@example.test', password: 'Quite-Long-Password-72' },
];
const ADMIN_PASSWORD = 'Quite-Long-Password-73';

/** Every message of a user's INBOX, whole, over imaps (plain LOGIN is refused outside dev mode). */
async function inbox(daemon: TestDaemon, address: string, password: string): Promise<string[]> {
  const c = await TestClient.connectTls(daemon.ports.imaps);
  try {
    assert.match(await c.response(), /^\* OK/);
    assert.match((await c.command(`LOGIN ${address} ${password}`, 'l')).at(-1)!, /^l OK/);
    const selected = await c.command('SELECT INBOX', 's');
    const exists = Number(/\* (\d+) EXISTS/.exec(selected.join('\n'))?.[1] ?? 0);
    if (exists === 0) return [];
    const fetched = await c.command('FETCH 1:* (BODY.PEEK[])', 'f');
    return fetched.filter((line) => line.startsWith('* ')).map((line) => line.slice(line.indexOf('}\r\n') + 3));
  } finally {
    c.close();
  }
}

describe('an appliance daemon under (fake) systemd', { timeout: 60_000 }, () => {
  let daemon: TestDaemon;
  let dir: string;
  let notifyLog: string;
  const sent = async () => (await readFile(notifyLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-box-'));
    notifyLog = join(dir, 'notify.log');
    const fake = join(dir, 'systemd-notify');
    // Records what the real systemd-notify would send, one message per line.
    await writeFile(fake, '#!/bin/sh\nprintf "%s\\n" "$*" >> "$FAKE_NOTIFY_LOG"\n');
    await chmod(fake, 0o755);
    daemon = await startDaemon({
      only: ['smtp', 'imaps'],
      logLevel: 'info',
      env: {
        POCHTA_TIMINGS: 'long-press=600',
        NOTIFY_SOCKET: join(dir, 'notify.sock'),
        WATCHDOG_USEC: '1500000', // WatchdogSec=1.5: the health tick runs every 500 ms
        POCHTA_SYSTEMD_NOTIFY: fake,
        FAKE_NOTIFY_LOG: notifyLog,
      },
    });
  });

  after(async () => {
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has no debug verb and no debug action in appliance mode', async () => {
    const verb = await daemon.cli(['debug', 'crash', 'smtp']);
    assert.equal(verb.code, 64);
    assert.match(verb.stderr, /unknown command: debug crash/);
    const help = await daemon.cli(['help']);
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /debug/);
    // A CLI in dev mode knows the verb, but this daemon has no such action.
    const devCli = await daemon.cli(['debug', 'crash', 'smtp', '--dev']);
    assert.notEqual(devCli.code, 0);
    assert.match(devCli.stderr, /unknown admin action "debug.fault"/);
    await assert.rejects(daemon.admin('debug.fault', { name: 'smtp', kind: 'throw' }), /unknown admin action/);
    const smtp = await listener(daemon, 'smtp');
    assert.equal(smtp.state, 'running');
    assert.equal(smtp.restarts, 0);
  });

  it('tells systemd READY=1 with a status line, then pets WATCHDOG=1 from the health tick', async () => {
    const lines = await waitFor('three pets', async () => {
      const all = await sent();
      return all.filter((l) => l === 'WATCHDOG=1').length >= 3 ? all : undefined;
    });
    const ready = lines.findIndex((l) => l.startsWith('READY=1'));
    assert.ok(ready >= 0, lines.join('\n'));
    assert.equal(lines[ready], 'READY=1 STATUS=2 of 2 listeners running');
    const status = await daemon.status();
    assert.equal(status.watchdog?.systemd, true);
    assert.equal(status.watchdog?.watchdogMs, 1500);
    assert.ok((status.watchdog?.pets ?? 0) >= 3);
    assert.match((await daemon.cli(['status'])).stdout, /^systemd: ready, watchdog 1s, \d+ pets, last \d+s ago$/m);
    // The implicit-TLS listener is probed over TLS: still running, never restarted by its probe.
    const imaps = await listener(daemon, 'imaps');
    assert.equal(imaps.state, 'running');
    assert.equal(imaps.restarts, 0);
  });

  it('a long press resets admin access and network settings, and keeps every message', async () => {
    assert.equal((await daemon.cli(['domain', 'add', 'example.test'])).code, 0);
    for (const u of USERS) {
      const added = await daemon.cli(['user', 'add', u.address], { stdin: u.password });
      assert.equal(added.code, 0, added.stderr);
    }
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.smtp, secure: false, ignoreTLS: true });
    for (let i = 1; i <= 3; i++) {
      await transport.sendMail({
        envelope: { from: 'sender@remote.test', to: i === 3 ? USERS.map((u) => u.address) : [USERS[0]!.address] },
        raw: `From: sender@remote.test\r\nTo: ${USERS[0]!.address}\r\nSubject: message ${i}\r\n\r\nbody number ${i}\r\n`,
      });
    }
    transport.close();
    await daemon.admin('admin.password.set', { password: ADMIN_PASSWORD });
    await daemon.admin('settings.set', { key: 'setup.done', value: true });
    const before = new Map<string, string[]>();
    for (const u of USERS) before.set(u.address, await inbox(daemon, u.address, u.password));
    assert.equal(before.get(USERS[0]!.address)?.length, 3);
    assert.equal(before.get(USERS[1]!.address)?.length, 1);
    const countBefore = (await daemon.status()).store.messages;
    assert.equal(countBefore, 4);
    assert.equal(((await daemon.admin('web.state')) as { hasAdminPassword: boolean }).hasAdminPassword, true);

    // What the reset takes away comes back from a backup made before it.
    const backup = await daemon.cli(['backup', join(dir, 'backup')]);
    assert.equal(backup.code, 0, backup.stderr);

    // The sim board holds the button for the long-press time (600 ms here) and lets go.
    const press = await daemon.cli(['gpio', 'press', 'long']);
    assert.equal(press.code, 0, press.stderr);

    const state = await waitFor('admin access reset', async () => {
      const s = (await daemon.admin('web.state')) as { hasAdminPassword: boolean; setupDone: boolean };
      return s.hasAdminPassword ? undefined : s;
    });
    assert.equal(state.setupDone, false);
    await assert.rejects(daemon.admin('auth.verify', { username: 'admin', password: ADMIN_PASSWORD }), (err: { code?: string }) => {
      assert.equal(err.code, 'AUTH_FAILED');
      return true;
    });
    assert.match(daemon.output(), /admin access and network settings reset to first boot/);
    // Every message is still there, byte for byte, and the users still log in.
    assert.equal((await daemon.status()).store.messages, countBefore);
    for (const u of USERS) assert.deepEqual(await inbox(daemon, u.address, u.password), before.get(u.address));
  });

  it('says STOPPING=1 when stopped', async () => {
    const code = await daemon.stop({ keepData: false });
    assert.equal(code, 0);
    const lines = await sent();
    assert.ok(
      lines.some((l) => l.startsWith('STOPPING=1')),
      lines.slice(-5).join('\n'),
    );
  });

  it('the settings the long press cleared come back with pochta restore of the earlier backup', async () => {
    const restored = join(dir, 'restored');
    const restore = await runPochta(['restore', join(dir, 'backup'), '--data', restored]);
    assert.equal(restore.code, 0, restore.stderr);
    const setup = await runPochta(['settings', 'get', 'setup.done', '--json', '--data', restored]);
    assert.equal(setup.code, 0, setup.stderr);
    assert.equal((JSON.parse(setup.stdout) as { value: unknown }).value, true);
  });
});
