// The web UI's log view and mail counters, wired through a real daemon
// (`pochta serve --dev`, listeners in their worker threads): the lines a
// listener thread writes reach the main thread's ring and `log.tail`, with
// redaction intact, and an accepted message shows in `stats.mail`. Also: the
// daemon runs libuv's thread pool with 8 threads (firmware/thread-pool.ts),
// and the queue counts a delivery to a (local) smarthost as out and a refusal's
// bounce as bounced.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { LogLine } from '../../firmware/admin/log-ring.ts';
import type { MailStatsView } from '../../firmware/admin/mail-counters.ts';
import { startDaemon, type TestDaemon } from '../support/daemon.ts';

const PASSWORD = 'Quite-Long-Password-5';
// Used only in a failed AUTH attempt: it must appear nowhere, neither as text nor as the AUTH PLAIN payload.
const WRONG = 'Wrong-Secret-Horse-77';

interface Tail {
  readonly lines: LogLine[];
  readonly next: number;
  readonly available: boolean;
}

/** A line-oriented SMTP client on a raw socket, so the test sees every reply. */
async function smtpSession(port: number, commands: readonly string[]): Promise<string[]> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const reply = async (): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      // A reply ends with a line "NNN text" (no dash after the code).
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
      if (m) {
        const end = m.index + m[0].length;
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end);
        return text;
      }
      if (Date.now() > deadline) throw new Error(`no SMTP reply; have ${JSON.stringify(buffer)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  try {
    const replies = [await reply()];
    for (const command of commands) {
      socket.write(`${command}\r\n`);
      replies.push(await reply());
    }
    return replies;
  } finally {
    socket.end();
  }
}

/** Poll until `check` holds (lines and counters cross threads over a BroadcastChannel); a bound, not a timing assertion. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(value).slice(0, 3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('log view and mail counters through the daemon', { timeout: 120_000 }, () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ args: ['--dev'], only: ['smtp', 'submission', 'queue'] });
    assert.equal((await daemon.cli(['domain', 'add', 'example.test'])).code, 0);
    assert.equal((await daemon.cli(['user', 'add', 'carol@example.test'], { stdin: PASSWORD })).code, 0);
  });
  after(() => daemon?.stop());

  it('log.tail shows the smtp listener lines of one connection, by its id', async () => {
    await smtpSession(daemon.ports.smtp, ['EHLO client.test', 'QUIT']);
    const tail = await eventually(
      async () => (await daemon.admin('log.tail', { listener: 'smtp', limit: 2000 })) as Tail,
      (t) => t.lines.some((l) => l.msg === 'disconnected'),
      'no disconnected line from the smtp listener',
    );
    assert.equal(tail.available, true);
    assert.ok(tail.lines.every((l) => l.listener === 'smtp'));
    const connected = tail.lines.find((l) => l.msg === 'connected');
    assert.ok(connected?.conn, 'the connected line carries a connection id');
    const ofConn = (await daemon.admin('log.tail', { conn: connected.conn })) as Tail;
    assert.equal(ofConn.lines[0]?.msg, 'connected');
    assert.equal(ofConn.lines.at(-1)?.msg, 'disconnected');
    assert.ok(ofConn.lines.every((l) => l.conn === connected.conn && l.listener === 'smtp'));
    assert.equal(ofConn.lines[0]?.fields['remote'], '127.0.0.1');
    // The main thread's own lines are in the same ring.
    const all = (await daemon.admin('log.tail', { limit: 2000 })) as Tail;
    assert.ok(all.lines.some((l) => l.msg === 'pochta ready' && l.listener === undefined));
  });

  it('a password from an AUTH attempt appears in no log line', async () => {
    const plain = Buffer.from(`\0carol@example.test\0${WRONG}`).toString('base64');
    const login = Buffer.from(WRONG).toString('base64');
    const replies = await smtpSession(daemon.ports.submission, [
      'EHLO client.test',
      `AUTH PLAIN ${plain}`,
      'AUTH LOGIN',
      Buffer.from('carol@example.test').toString('base64'),
      login,
      'QUIT',
    ]);
    assert.match(replies[2]!, /^535 /);
    assert.match(replies[5]!, /^535 /);
    const tail = await eventually(
      async () => (await daemon.admin('log.tail', { listener: 'submission', limit: 2000 })) as Tail,
      (t) => t.lines.filter((l) => l.msg === 'authentication failed').length >= 2 && t.lines.some((l) => l.msg === 'disconnected'),
      'no failed-authentication lines from the submission listener',
    );
    const everything = JSON.stringify(((await daemon.admin('log.tail', { limit: 2000 })) as Tail).lines);
    for (const secret of [WRONG, plain, login]) {
      assert.ok(!everything.includes(secret), `log.tail leaks ${secret}`);
      assert.ok(!daemon.output().includes(secret), `stdout leaks ${secret}`);
    }
    assert.ok(tail.lines.some((l) => l.fields['user'] === 'carol@example.test'));
  });

  it('a message accepted for local delivery counts as in=1 in stats.mail', async () => {
    const before = (await daemon.admin('stats.mail')) as MailStatsView;
    assert.equal(before.available, true);
    assert.equal(before.today.in, 0);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.smtp, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({
        envelope: { from: 'sender@remote.test', to: ['carol@example.test'] },
        raw: 'From: sender@remote.test\r\nTo: carol@example.test\r\nSubject: counted\r\n\r\nHello.\r\n',
      });
    } finally {
      transport.close();
    }
    const stats = await eventually(
      async () => (await daemon.admin('stats.mail')) as MailStatsView,
      (s) => s.today.in >= 1,
      'stats.mail never counted the message',
    );
    assert.deepEqual(stats.today, { in: 1, out: 0, rejectedDnsbl: 0, rejectedAuth: 0, bounced: 0 });
    assert.equal(stats.series.at(-1)?.in, 1);
  });

  it('runs libuv with a thread pool of 8 (set by the entry before the pool starts)', (t) => {
    let names: string[];
    try {
      names = readdirSync(`/proc/${daemon.pid}/task`).map((task) => readFileSync(`/proc/${daemon.pid}/task/${task}/comm`, 'utf8').trim());
    } catch {
      return t.skip('no /proc here');
    }
    const pool = names.filter((n) => n === 'libuv-worker');
    if (pool.length === 0) return t.skip('this libuv does not name its threads');
    // The store opened (async fs), so the pool has started with its final size.
    assert.equal(pool.length, 8);
  });

  it('the queue counts a relayed recipient delivered as out and a refused one as bounced', async () => {
    // The "remote host": a smarthost on loopback that takes ok@ and refuses everyone else for good.
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, cb) =>
        address.address.startsWith('ok@') ? cb() : cb(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 })),
      onData: (stream, _session, cb) => {
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const port = (sink.server.address() as { port: number }).port;
      const set = await daemon.cli(['settings', 'set', 'relay.smarthost', JSON.stringify({ host: '127.0.0.1', port, tls: 'none' })]);
      assert.equal(set.code, 0, set.stderr);
      const before = ((await daemon.admin('stats.mail')) as MailStatsView).today;
      // Loopback is a trusted network by default: it may relay without logging in.
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.smtp, secure: false, ignoreTLS: true });
      try {
        await transport.sendMail({
          envelope: { from: 'carol@example.test', to: ['ok@remote.test', 'gone@remote.test'] },
          raw: 'From: carol@example.test\r\nTo: ok@remote.test, gone@remote.test\r\nSubject: relayed\r\n\r\nHello.\r\n',
        });
      } finally {
        transport.close();
      }
      const stats = await eventually(
        async () => (await daemon.admin('stats.mail')) as MailStatsView,
        (s) => s.today.out > before.out && s.today.bounced > before.bounced,
        'the queue never counted the delivery and the bounce',
      );
      assert.deepEqual(stats.today, { ...before, in: before.in + 1, out: before.out + 1, bounced: before.bounced + 1 });
    } finally {
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  });
});
