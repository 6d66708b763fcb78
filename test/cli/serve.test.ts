// `pochta serve` as a process: dev mode's first-start demo account, clean
// SIGTERM shutdown, a data dir that a second daemon cannot share.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StatusView } from '../../firmware/admin/actions.ts';
import { openStore, verifyPassword } from '../../firmware/store/index.ts';
import { startDaemon } from '../support/daemon.ts';

/** The first line a server sends on connect. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setEncoding('latin1');
    socket.once('data', (line: string) => {
      socket.destroy();
      resolve(line);
    });
    socket.once('error', reject);
  });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-serve-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Send an IMAP LOGIN (plaintext is allowed on loopback in dev mode) and return the replies up to its tagged one. */
function imapLogin(port: number, user: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!sent && text.includes('\r\n')) {
        sent = true;
        socket.write(`a LOGIN "${user}" "${password}"\r\n`);
      } else if (/^a (OK|NO|BAD).*\r\n/m.test(text)) {
        socket.end('b LOGOUT\r\n');
        resolve(text);
      }
    });
    socket.once('error', reject);
  });
}

/** Send one message over plain SMTP; resolves with the reply to the end of DATA. */
function smtpSend(port: number, from: string, to: string, message: string): Promise<string> {
  const steps = ['EHLO client.test', `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA', `${message}.`];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let step = 0;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // Wait for a complete final reply line (code and a space).
      const last = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(text);
      if (!last) return;
      const line = text.trim().split('\r\n').pop()!;
      text = '';
      if (step === steps.length) {
        socket.end('QUIT\r\n');
        resolve(line);
      } else if (!/^[23]/.test(line)) {
        socket.destroy();
        reject(new Error(`after ${steps[step - 1] ?? 'connect'}: ${line}`));
      } else {
        socket.write(`${steps[step++]}\r\n`);
      }
    });
    socket.once('error', reject);
  });
}

/** The EHLO reply lines of the SMTP server on `port`. */
function ehlo(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let sent = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!sent && /^220 .*\r\n/m.test(text)) {
        sent = true;
        text = '';
        socket.write('EHLO client.test\r\n');
      } else if (sent && /^250 .*\r\n/m.test(text)) {
        socket.end('QUIT\r\n');
        resolve(text.split('\r\n').filter(Boolean));
      }
    });
    socket.once('error', reject);
  });
}

describe('pochta serve', () => {
  it('applies a settings change to a running listener without a restart', async () => {
    const daemon = await startDaemon({ only: ['smtp'] });
    try {
      const size = (lines: string[]) => lines.find((l) => /^250[- ]SIZE /.test(l))?.slice(9);
      assert.equal(size(await ehlo(daemon.ports.smtp)), String(25 * 1024 * 1024));
      const set = await daemon.cli(['settings', 'set', 'limits.messageSize', '2M']);
      assert.equal(set.code, 0, set.stderr);
      let lines: string[] = [];
      // The change reaches the listener thread through the store's change feed: poll, bounded.
      for (let i = 0; i < 100 && size(lines) !== '2097152'; i++) {
        lines = await ehlo(daemon.ports.smtp);
        if (size(lines) !== '2097152') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(size(lines), '2097152', lines.join('\n'));
      const smtp = (await daemon.status()).listeners.find((l) => l.name === 'smtp');
      assert.equal(smtp?.restarts, 0);
    } finally {
      await daemon.stop();
    }
  });

  it('delivers mail into the store it opened, with each body analysed once for IMAP', async () => {
    const data = join(dir, 'mail');
    const daemon = await startDaemon({ dataDir: data, only: ['smtp'] });
    try {
      assert.equal((await daemon.cli(['domain', 'add', 'example.test'])).code, 0);
      assert.equal((await daemon.cli(['user', 'add', 'carol@example.test'], { stdin: 'Quite-Long-Password-5' })).code, 0);
      const reply = await smtpSend(daemon.ports.smtp, 'sender@remote.test', 'carol@example.test', 'Subject: hello\r\n\r\nHi Carol.\r\n');
      assert.match(reply, /^250 /);
    } finally {
      await daemon.stop({ keepData: true });
    }
    const store = await openStore({ dir: data });
    try {
      const carol = await store.findAccount('carol@example.test');
      const inbox = carol && (await store.getMailbox(carol.id, 'INBOX'));
      const [message] = inbox ? await store.listMessages(inbox.id) : [];
      assert.ok(message, 'delivered to INBOX');
      const info = await store.getBodyInfo(message.blobId);
      assert.ok(info?.structure, 'structure computed at delivery');
    } finally {
      await store.close();
    }
  });

  it('in dev mode creates a demo account once, with a random password shown once, and stops cleanly on SIGTERM', async () => {
    const data = join(dir, 'dev');
    // Every registered listener, as `npm start` runs them.
    const first = await startDaemon({ dataDir: data, args: ['--dev'] });
    const status = JSON.parse((await first.cli(['status', '--json'])).stdout) as StatusView;
    for (const name of ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'web', 'queue']) {
      const listener = status.listeners.find((l) => l.name === name);
      assert.equal(listener?.state, 'running', `${name} in ${JSON.stringify(status.listeners)}`);
      assert.equal(listener.restarts, 0);
    }
    assert.match(await greeting(first.ports.smtp), /^220 /);
    assert.match(await greeting(first.ports.imap), /^\* OK/);
    assert.match(await greeting(first.ports.pop3), /^\+OK/);
    const banner = /Demo account \(shown only this once\): admin@pochta\.test {2}password: (\S+)/.exec(first.output());
    assert.ok(banner, first.output());
    const password = banner[1]!;
    assert.ok(password.length >= 12);
    assert.equal((await stat(join(data, 'tls', 'key.pem'))).mode & 0o777, 0o600);
    // A newcomer can log in at once with what was printed.
    assert.match(await imapLogin(first.ports.imap, 'admin@pochta.test', password), /^a OK/m);
    const firstExit = await first.stop({ keepData: true });
    assert.equal(firstExit, 0, `exit code 0 after SIGTERM; the daemon said:\n${first.output().slice(-4000)}`);

    const store = await openStore({ dir: data });
    try {
      const admin = await store.findAccount('admin@pochta.test');
      assert.ok(admin && (await verifyPassword(password, admin.passwordHash)), 'the printed password works');
    } finally {
      await store.close();
    }

    const second = await startDaemon({ dataDir: data, args: ['--dev'], only: ['web'] });
    try {
      assert.match(second.output(), /Demo account admin@pochta\.test exists/);
      assert.equal(second.output().includes(password), false, 'never printed again');
    } finally {
      const secondExit = await second.stop({ keepData: true });
      assert.equal(secondExit, 0, `exit code 0 after SIGTERM; the daemon said:\n${second.output().slice(-4000)}`);
    }
  });

  it('refuses a second daemon on the same data dir, without disturbing the first', async () => {
    const data = join(dir, 'shared');
    const first = await startDaemon({ dataDir: data, only: ['web'] });
    try {
      await assert.rejects(startDaemon({ dataDir: data, only: ['web'], readyTimeoutMs: 15_000 }), /exited with 70/);
      assert.equal((await first.status()).listeners[0]?.state, 'running');
    } finally {
      await first.stop({ keepData: true });
    }
  });
});
