// Store benchmark: durable commits per second for 10 KB messages, one writer
// and 50 concurrent writers, each round on a fresh store in a temp dir on the
// same disk as the system temp dir; the median of several rounds is printed.
// Every commit is durable (blob fsync + directory fsync + LevelDB sync write);
// the "callers/fsync" column shows how many commits shared one LevelDB fsync.
// The "disk only" rows do just the body-file part (write, fsync, rename,
// directory fsync) without the store: the floor the disk sets right now, so
// the store rows can be read on a busy or a quiet machine alike.
//
//   npm run bench -- store [--rounds N] [--seconds S] [--deliver-only]
//
// The last line is the RSS of an idle `pochta serve --dev` (idleDaemonRss).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../firmware/store/index.ts';

const MESSAGE_SIZE = 10 * 1024;
const HASH = '$scrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA==';

interface RoundResult {
  readonly commitsPerSecond: number;
  readonly callersPerFsync: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** One round: `writers` loops deliver unique 10 KB bodies to `accounts` INBOXes for `seconds`. */
async function round(kind: 'deliver' | 'flags', writers: number, seconds: number): Promise<RoundResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-bench-'));
  const store = await openStore({ dir });
  try {
    await store.addDomain('bench.example');
    const accounts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.createAccount({ address: `user${i}@bench.example`, passwordHash: HASH })),
    );
    const inboxes = await Promise.all(accounts.map((account) => store.getMailbox(account.id, 'INBOX')));
    // flags: each writer toggles \\Seen on 20 messages of its own, so no call is a no-op
    const perInbox = Math.ceil(writers / inboxes.length) * 20;
    if (kind === 'flags') {
      await Promise.all(
        inboxes.map(async (inbox) => {
          for (let i = 0; i < perInbox; i++) await store.appendMessage(inbox?.id ?? '', randomBytes(1024));
        }),
      );
    }
    const before = store.commitStats;
    const latencies: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    let commits = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        let n = 0;
        while (performance.now() < deadline) {
          const account = accounts[(w + n) % accounts.length];
          const inbox = kind === 'flags' ? inboxes[w % inboxes.length] : inboxes[(w + n) % inboxes.length];
          if (!account || !inbox) throw new Error('set-up failed');
          const t0 = performance.now();
          if (kind === 'deliver') {
            await store.deliver({ recipients: [{ accountId: account.id }], body: randomBytes(MESSAGE_SIZE) });
          } else {
            // alternate per pass over the 20 messages, so every call really changes a flag
            const uid = Math.floor(w / inboxes.length) * 20 + (n % 20) + 1;
            await store.setFlags(inbox.id, [uid], Math.floor(n / 20) % 2 === 0 ? 'add' : 'remove', ['\\Seen']);
          }
          latencies.push(performance.now() - t0);
          commits += 1;
          n += 1;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const after = store.commitStats;
    latencies.sort((a, b) => a - b);
    return {
      commitsPerSecond: commits / elapsed,
      callersPerFsync: (after.batches - before.batches) / Math.max(1, after.writes - before.writes),
      p50ms: percentile(latencies, 0.5),
      p99ms: percentile(latencies, 0.99),
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The disk alone, for scale: what one 10 KB body costs without the store
 * (write + fsync + rename + directory fsync), so the store rows can be read
 * against what this machine's disk allows at the moment.
 */
async function rawDiskRound(writers: number, seconds: number): Promise<RoundResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-bench-disk-'));
  try {
    await mkdir(path.join(dir, 'tmp'));
    const subdirs = Array.from({ length: 256 }, (_, i) => path.join(dir, i.toString(16).padStart(2, '0')));
    await Promise.all(subdirs.map((sub) => mkdir(sub)));
    const latencies: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let n = 0; performance.now() < deadline; n++) {
          const t0 = performance.now();
          const name = `${w}-${n}`;
          const temp = path.join(dir, 'tmp', name);
          const handle = await open(temp, 'wx');
          await handle.writeFile(randomBytes(MESSAGE_SIZE));
          await handle.sync();
          await handle.close();
          const sub = subdirs[(w * 7919 + n) % 256] as string;
          await rename(temp, path.join(sub, name));
          const dirHandle = await open(sub, constants.O_RDONLY | constants.O_DIRECTORY);
          await dirHandle.sync();
          await dirHandle.close();
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      commitsPerSecond: latencies.length / elapsed,
      callersPerFsync: 1,
      p50ms: percentile(latencies, 0.5),
      p99ms: percentile(latencies, 0.99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Placeholder for the idle-daemon RSS measurement (added with `pochta serve`). */
/**
 * RSS of an idle `pochta serve --dev` with every listener running: started,
 * left alone for 10 s so start-up garbage is collected, then read from /proc.
 */
export async function idleDaemonRss(): Promise<number | undefined> {
  const { startDaemon } = await import('../support/daemon.ts');
  const daemon = await startDaemon({ args: ['--dev'], logLevel: 'warn' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const status = await readFile(`/proc/${daemon.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } finally {
    await daemon.stop();
  }
}

export default async function main(args: string[]): Promise<void> {
  const rounds = option(args, 'rounds', 5);
  const seconds = option(args, 'seconds', 2);
  const only = args.includes('--deliver-only');
  const rows: string[][] = [];
  for (const [kind, writers] of [
    ['deliver', 1],
    ['deliver', 50],
    ['flags', 1],
    ['flags', 50],
  ] as const) {
    if (only && kind !== 'deliver') continue;
    const results: RoundResult[] = [];
    for (let i = 0; i < rounds; i++) results.push(await round(kind, writers, seconds));
    rows.push([
      kind === 'deliver' ? 'deliver 10 KB' : 'set flags',
      String(writers),
      median(results.map((r) => r.commitsPerSecond)).toFixed(0),
      median(results.map((r) => r.callersPerFsync)).toFixed(1),
      median(results.map((r) => r.p50ms)).toFixed(2),
      median(results.map((r) => r.p99ms)).toFixed(2),
    ]);
  }
  for (const writers of [1, 50]) {
    const results: RoundResult[] = [];
    for (let i = 0; i < rounds; i++) results.push(await rawDiskRound(writers, seconds));
    rows.push([
      'disk only (reference)',
      String(writers),
      median(results.map((r) => r.commitsPerSecond)).toFixed(0),
      '-',
      median(results.map((r) => r.p50ms)).toFixed(2),
      median(results.map((r) => r.p99ms)).toFixed(2),
    ]);
  }
  const header = ['operation', 'writers', 'commits/s', 'callers/fsync', 'p50 ms', 'p99 ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  console.log(
    `store benchmark: median of ${rounds} rounds x ${seconds} s, durable commits, temp dir ${tmpdir()}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const rss = await idleDaemonRss();
  console.log(
    rss === undefined
      ? 'idle daemon RSS: could not be read'
      : `idle daemon RSS (pochta serve --dev, all listeners, 10 s idle): ${(rss / 1048576).toFixed(1)} MiB`,
  );
}
