// kill -9 of the daemon while messages stream in: every message that got a
// 250 is in each recipient's mailbox afterwards, exactly once; none that got
// no 250 appears twice. Ten clients send 1,000 messages to two local users;
// the daemon (a child process running the listener in a worker thread, as
// `pochta serve` does) is killed with SIGKILL part-way through.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { TestDnsServer } from '../support/dns-server.ts';
import { makeTlsFiles, tempDir } from './helpers/harness.ts';
import { inbox, openTestStore } from './helpers/store.ts';

const TOTAL = 1000;
const CLIENTS = 10;
const KILL_AFTER = 600;
const NODE = process.execPath;
const CHILD = new URL('./helpers/daemon-child.ts', import.meta.url).pathname;

async function startChild(dataDir: string, dnsPort: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(NODE, [CHILD, dataDir, String(dnsPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code}: ${out}`)));
  });
  return { child, port };
}

function connect(port: number): Promise<SMTPConnection> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, localAddress: '127.0.0.9', ignoreTLS: true, socketTimeout: 20_000 });
  return new Promise((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => {
      conn.removeListener('error', reject);
      conn.on('error', () => {});
      resolve(conn);
    });
  });
}

function send(conn: SMTPConnection, i: number): Promise<boolean> {
  const message = `From: load@remote.test\r\nTo: alice@example.test, bob@example.test\r\nSubject: kill9-${i}\r\n\r\n${'payload line\r\n'.repeat(20)}`;
  return new Promise((resolve) => {
    conn.send({ from: 'load@remote.test', to: ['alice@example.test', 'bob@example.test'] }, message, (err, info) => {
      resolve(!err && info.accepted.length === 2 && /^250 /.test(info.response));
    });
  });
}

describe('kill -9 during delivery', () => {
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let dns: TestDnsServer;

  before(async () => {
    const tmp = await tempDir('pochta-smtp-kill-');
    cleanup = tmp.cleanup;
    dataDir = tmp.dir;
    dns = await TestDnsServer.start();
    await makeTlsFiles(dataDir);
    const dir = await openTestStore(dataDir);
    await dir.close();
  });

  after(async () => {
    await dns.close();
    await cleanup();
  });

  it('delivers every acknowledged message exactly once per recipient', { timeout: 240_000 }, async (t) => {
    const { child, port } = await startChild(dataDir, dns.port);
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const exited = once(child, 'exit');
    const worker = async () => {
      let conn: SMTPConnection;
      try {
        conn = await connect(port);
      } catch {
        return;
      }
      while (!killed && next < TOTAL) {
        const i = next++;
        if (await send(conn, i)) acked.add(i);
        else break;
        if (acked.size >= KILL_AFTER && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
      conn.close();
    };
    await Promise.all(Array.from({ length: CLIENTS }, worker));
    if (!killed) child.kill('SIGKILL');
    await exited;
    assert.ok(acked.size >= KILL_AFTER, `only ${acked.size} acknowledged before the kill`);

    // Open the store the way the next start does (recovery after an unclean stop).
    const dir = await openTestStore(dataDir, {}, { fresh: false });
    try {
      for (const [who, id] of [
        ['alice', dir.alice],
        ['bob', dir.bob],
      ] as const) {
        const counts = new Map<number, number>();
        for (const m of await inbox(dir.store, id)) {
          const found = /Subject: kill9-(\d+)\r\n/.exec(m.text);
          if (found) counts.set(Number(found[1]), (counts.get(Number(found[1])) ?? 0) + 1);
        }
        for (const i of acked) assert.equal(counts.get(i), 1, `${who}: acknowledged message ${i} delivered ${counts.get(i) ?? 0} times`);
        for (const [i, n] of counts) assert.equal(n, 1, `${who}: message ${i} stored ${n} times`);
        t.diagnostic(`${who}: ${acked.size} acknowledged, ${counts.size} stored (${counts.size - acked.size} in flight at the kill)`);
      }
      const report = await dir.store.fsck();
      assert.deepEqual(report.problems, [], 'the store is consistent after the crash');
    } finally {
      await dir.close();
    }
  });
});
