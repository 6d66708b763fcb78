// `npm run bench -- pop3 [messages] [rounds]`: a POP3 client downloads a
// maildrop of 1,000 messages (about 10 KB each) the way fetchmail does:
// login, STAT, UIDL, then RETR of every message one after another, QUIT
// without deleting. Prints the time of each step and RETR throughput. The
// listener runs as the daemon runs it: in a worker thread under the
// supervisor, with the store behind the proxy in this thread. When a
// reference Dovecot runs on 127.0.0.1:20110 (../shared/interop/setup-local-mta.sh
// start; user2@interop.test), its maildrop is filled to the same size over
// LMTP (20024) and measured the same way, and the ratio is printed.

import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword, openStore } from '../../firmware/store/index.ts';
import { createSupervisor } from '../../firmware/supervisor/index.ts';
import type { Logger } from '../../firmware/supervisor/service.ts';

const SERVICE = new URL('../../firmware/pop3/service.ts', import.meta.url);

const silent: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => silent,
};

const REF = { host: '127.0.0.1', pop3: 20110, lmtp: 20024, user: 'user2@interop.test', pass: 'pass2-secret' };
const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';

function body(i: number, to: string): string {
  // 6-14 KB, with a dot line so dot-stuffing is exercised.
  const lines = 75 + (i % 100);
  return `From: bench@remote.test\r\nTo: ${to}\r\nSubject: pop3 bench ${i}\r\nMessage-ID: <bench.${i}@remote.test>\r\n\r\n.dot line\r\n${line.repeat(lines)}`;
}

/** A lean POP3 client: chunk list, no re-copying of large replies. */
class BenchClient {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new BenchClient(socket)));
      socket.once('error', reject);
    });
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error('connection closed');
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.wake = undefined;
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  async line(): Promise<string> {
    for (;;) {
      const buf = this.joined();
      const end = buf.indexOf('\r\n');
      if (end !== -1) {
        this.chunks = [buf.subarray(end + 2)];
        return buf.subarray(0, end).toString('latin1');
      }
      await this.more();
    }
  }

  /** Read a multi-line body up to its terminator; returns its length in bytes (raw). */
  async skipBody(): Promise<number> {
    let size = 0;
    let tail: Buffer = Buffer.alloc(0);
    for (;;) {
      const current = this.chunks;
      this.chunks = [];
      for (let i = 0; i < current.length; i++) {
        const chunk = current[i] as Buffer;
        const scan = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        const start = scan === chunk ? 0 : tail.length;
        const at = scan.indexOf('.\r\n', 0);
        // The terminator is ".\r\n" at the very start or right after a CRLF.
        let found = -1;
        for (let from = 0; at !== -1; ) {
          const hit = scan.indexOf('.\r\n', from);
          if (hit === -1) break;
          if ((hit === 0 && size === 0 && start === 0) || (hit >= 2 && scan[hit - 1] === 0x0a && scan[hit - 2] === 0x0d)) {
            found = hit;
            break;
          }
          from = hit + 1;
        }
        if (found !== -1) {
          size += found - start;
          this.chunks = [scan.subarray(found + 3), ...current.slice(i + 1)];
          return size;
        }
        size += chunk.length;
        tail = scan.subarray(Math.max(0, scan.length - 2));
      }
      await this.more();
    }
  }

  async command(text: string): Promise<string> {
    this.socket.write(`${text}\r\n`);
    const reply = await this.line();
    if (!reply.startsWith('+')) throw new Error(`${text.split(' ')[0]}: ${reply}`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Round {
  readonly login: number;
  readonly stat: number;
  readonly uidl: number;
  readonly retr: number;
  readonly bytes: number;
}

async function round(port: number, user: string, pass: string, expected: number): Promise<Round> {
  const c = await BenchClient.connect(port);
  await c.line();
  const t0 = performance.now();
  await c.command(`USER ${user}`);
  await c.command(`PASS ${pass}`);
  const t1 = performance.now();
  const stat = await c.command('STAT');
  const count = Number(stat.split(' ')[1]);
  if (count < expected) throw new Error(`maildrop has ${count} messages, expected ${expected}`);
  const t2 = performance.now();
  await c.command('UIDL');
  await c.skipBody();
  const t3 = performance.now();
  let bytes = 0;
  for (let n = 1; n <= expected; n++) {
    await c.command(`RETR ${n}`);
    bytes += await c.skipBody();
  }
  const t4 = performance.now();
  await c.command('QUIT');
  c.close();
  return { login: t1 - t0, stat: t2 - t1, uidl: t3 - t2, retr: t4 - t3, bytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function summarize(rounds: Round[]): Round {
  return {
    login: median(rounds.map((r) => r.login)),
    stat: median(rounds.map((r) => r.stat)),
    uidl: median(rounds.map((r) => r.uidl)),
    retr: median(rounds.map((r) => r.retr)),
    bytes: rounds[0]?.bytes ?? 0,
  };
}

function report(name: string, r: Round, messages: number, ref?: Round): void {
  const ratio = (ours: number, theirs: number | undefined) =>
    theirs === undefined ? '' : `  (x${(theirs / ours).toFixed(2)} Dovecot's speed)`;
  console.log(`${name}`);
  console.log(`  login (USER/PASS)   ${r.login.toFixed(1).padStart(8)} ms`);
  console.log(`  STAT                ${r.stat.toFixed(2).padStart(8)} ms${ratio(r.stat, ref?.stat)}`);
  console.log(`  UIDL (${messages} lines) ${r.uidl.toFixed(2).padStart(8)} ms${ratio(r.uidl, ref?.uidl)}`);
  const perSecond = (messages / r.retr) * 1000;
  const mbps = r.bytes / 1024 / 1024 / (r.retr / 1000);
  console.log(
    `  RETR x${messages}         ${r.retr.toFixed(0).padStart(8)} ms  ${perSecond.toFixed(0)} msg/s  ${mbps.toFixed(1)} MB/s${ratio(r.retr, ref?.retr)}`,
  );
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Fill the reference maildrop to `messages` over LMTP (Dovecot's own delivery path). */
async function fillReference(messages: number): Promise<void> {
  const probe = await BenchClient.connect(REF.pop3);
  await probe.line();
  await probe.command(`USER ${REF.user}`);
  await probe.command(`PASS ${REF.pass}`);
  const have = Number((await probe.command('STAT')).split(' ')[1]);
  await probe.command('QUIT');
  probe.close();
  if (have >= messages) return;
  const c = await BenchClient.connect(REF.lmtp);
  await c.line();
  await c.command('LHLO bench.test').catch(() => undefined);
  // LHLO answers with several 250- lines; read until the last one.
  for (;;) {
    const l = await c.line();
    if (l.startsWith('250 ')) break;
  }
  for (let i = have; i < messages; i++) {
    await c.command('MAIL FROM:<bench@remote.test>').catch(rethrowUnless250);
    await c.command(`RCPT TO:<${REF.user}>`).catch(rethrowUnless250);
    await c.command('DATA').catch(rethrowUnless354);
    const data = body(i, REF.user).replace(/^\./gm, '..');
    await c.command(`${data}.`).catch(rethrowUnless250);
  }
  c.close();
}

function rethrowUnless250(error: Error): void {
  if (!/: 250/.test(error.message)) throw error;
}
function rethrowUnless354(error: Error): void {
  if (!/: 354/.test(error.message)) throw error;
}

export default async function bench(args: string[]): Promise<void> {
  const messages = Number(args[0] ?? 1000);
  const rounds = Number(args[1] ?? 5);
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-bench-pop3-'));
  const store = await openStore({ dir: path.join(dir, 'data') });
  try {
    await store.addDomain('example.test');
    const account = await store.createAccount({ address: 'bench@example.test', passwordHash: await hashPassword('bench-password') });
    const inbox = await store.getMailbox(account.id, 'INBOX');
    if (inbox === undefined) throw new Error('no INBOX');
    for (let i = 0; i < messages; i++) await store.appendMessage(inbox.id, Buffer.from(body(i, 'bench@example.test')));
    const supervisor = createSupervisor({
      store,
      log: silent,
      logLevel: 'silent',
      hostname: 'bench.example.test',
      dataDir: dir,
      blobDir: path.join(dir, 'data', 'blobs'),
      // No certificate: the plain listener runs without STLS; dev mode allows loopback logins.
      tls: { certPath: path.join(dir, 'none.pem'), keyPath: path.join(dir, 'none.key') },
      dev: true,
      listeners: [{ name: 'pop3', module: SERVICE, address: { host: '127.0.0.1', port: 0 } }],
      startTimeoutMs: 15_000,
    });
    await supervisor.start();
    const port = supervisor.status().find((s) => s.name === 'pop3')?.address?.port ?? 0;

    const refUp = await portOpen(REF.pop3);
    if (refUp) await fillReference(messages);
    console.log(
      `POP3: login, STAT, UIDL and RETR of ${messages} messages (6-14 KB), median of ${rounds} rounds, loopback, no TLS, listener in a worker thread`,
    );
    const ours: Round[] = [];
    const theirs: Round[] = [];
    // Alternate the servers so both see the same machine load.
    for (let r = 0; r < rounds; r++) {
      ours.push(await round(port, 'bench@example.test', 'bench-password', messages));
      if (refUp) theirs.push(await round(REF.pop3, REF.user, REF.pass, messages));
    }
    const ref = refUp ? summarize(theirs) : undefined;
    report('pochta', summarize(ours), messages, ref);
    if (ref !== undefined) report('dovecot', ref, messages);
    else console.log('(no reference Dovecot on 127.0.0.1:20110; ../shared/interop/setup-local-mta.sh start runs one)');
    await supervisor.stop(Date.now() + 2000);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
