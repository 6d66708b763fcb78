// Mail counters for the dashboard: mail in, out, refused by DNSBL, refused by
// SPF/DMARC, bounced — per hour for the last 48 hours. Listeners run in worker
// threads, so they report over a BroadcastChannel (same process, no socket);
// the main thread keeps the counts and saves them to a small JSON file in the
// data dir now and then, so a restart does not zero the chart. Counts are
// statistics, not mail: losing the last minute of them on a power cut is fine.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { BroadcastChannel } from 'node:worker_threads';

export const MAIL_COUNTER_KINDS = ['in', 'out', 'rejectedDnsbl', 'rejectedAuth', 'bounced'] as const;
export type MailCounterKind = (typeof MAIL_COUNTER_KINDS)[number];

export type MailCounts = Record<MailCounterKind, number>;

export interface MailCountsHour extends MailCounts {
  /** Start of the hour, ms since epoch. */
  readonly hour: number;
}

export interface MailStatsView {
  /** Since local midnight. */
  readonly today: MailCounts;
  /** The last 24 hours, oldest first, one entry per hour. */
  readonly series: readonly MailCountsHour[];
  /** False when the daemon keeps no counters (an older wiring); the numbers are then zeros. */
  readonly available: boolean;
}

/** The channel name listeners post on; one process = one daemon, so a fixed name is safe. */
export const MAIL_COUNTER_CHANNEL = 'pochta:mail-counters';

const HOUR = 3_600_000;
const KEEP_HOURS = 48;

export interface MailCounters {
  /** Add `n` (default 1) to a counter in the current hour. */
  count(kind: MailCounterKind, n?: number): void;
  /** Today's totals and the 24-hour series as of now. */
  snapshot(): MailStatsView;
  /** The raw hourly buckets, for saving. */
  toJSON(): Record<string, MailCounts>;
}

export function zeroCounts(): MailCounts {
  return { in: 0, out: 0, rejectedDnsbl: 0, rejectedAuth: 0, bounced: 0 };
}

export function isMailCounterKind(value: unknown): value is MailCounterKind {
  return typeof value === 'string' && (MAIL_COUNTER_KINDS as readonly string[]).includes(value);
}

export function createMailCounters(options: { now: () => number; initial?: Readonly<Record<string, Partial<MailCounts>>> }): MailCounters {
  const { now } = options;
  const hours = new Map<number, MailCounts>();
  for (const [key, counts] of Object.entries(options.initial ?? {})) {
    const hour = Number(key);
    if (!Number.isFinite(hour)) continue;
    const clean = zeroCounts();
    for (const kind of MAIL_COUNTER_KINDS) {
      const v = counts[kind];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) clean[kind] = v;
    }
    hours.set(hour, clean);
  }
  const prune = (current: number) => {
    for (const hour of hours.keys()) if (hour <= current - KEEP_HOURS * HOUR) hours.delete(hour);
  };
  return {
    count(kind, n = 1) {
      const hour = Math.floor(now() / HOUR) * HOUR;
      let bucket = hours.get(hour);
      if (!bucket) {
        bucket = zeroCounts();
        hours.set(hour, bucket);
        prune(hour);
      }
      bucket[kind] += n;
    },
    snapshot() {
      const t = now();
      const current = Math.floor(t / HOUR) * HOUR;
      const midnight = new Date(t);
      midnight.setHours(0, 0, 0, 0);
      const today = zeroCounts();
      for (const [hour, counts] of hours) {
        if (hour + HOUR <= midnight.getTime() || hour > t) continue;
        for (const kind of MAIL_COUNTER_KINDS) today[kind] += counts[kind];
      }
      const series: MailCountsHour[] = [];
      for (let i = 23; i >= 0; i--) {
        const hour = current - i * HOUR;
        series.push({ hour, ...(hours.get(hour) ?? zeroCounts()) });
      }
      return { today, series, available: true };
    },
    toJSON() {
      return Object.fromEntries([...hours].map(([hour, counts]) => [String(hour), { ...counts }]));
    },
  };
}

/** Read saved counters; a missing or broken file starts from zero. */
export async function loadMailCounters(file: string, now: () => number): Promise<MailCounters> {
  let initial: Record<string, Partial<MailCounts>> = {};
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) initial = parsed as Record<string, Partial<MailCounts>>;
  } catch {
    // First start, or a file cut short by a power loss: counts are not worth refusing to start over.
  }
  return createMailCounters({ now, initial });
}

/** Write the counters atomically (temp file and rename). */
export async function saveMailCounters(file: string, counters: MailCounters): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify(counters.toJSON()));
  await rename(temp, file);
}

/**
 * The main thread's end: count what listeners report on the channel. Returns
 * the function that stops listening. The channel is unref'd so it never keeps
 * the process alive.
 */
export function collectMailCounters(counters: MailCounters, channelName = MAIL_COUNTER_CHANNEL): () => void {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  channel.onmessage = (event) => {
    const data = (event as MessageEvent).data as { kind?: unknown; n?: unknown } | undefined;
    if (!data || !isMailCounterKind(data.kind)) return;
    const n = typeof data.n === 'number' && Number.isInteger(data.n) && data.n > 0 && data.n < 1e6 ? data.n : 1;
    counters.count(data.kind, n);
  };
  return () => channel.close();
}

export interface MailCounterReporter {
  /** Report `n` (default 1) events of a kind to the main thread's counters. */
  count(kind: MailCounterKind, n?: number): void;
  close(): void;
}

/** A listener's end: create one at service start, close it at stop. */
export function createMailCounterReporter(channelName = MAIL_COUNTER_CHANNEL): MailCounterReporter {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  return {
    count: (kind, n = 1) => channel.postMessage({ kind, n }),
    close: () => channel.close(),
  };
}
