// The recent log lines the web UI's log view follows: a ring buffer in the
// main thread, fed with the JSON lines pino writes (already redacted). Listener
// threads write their lines straight to fd 1, so they also post each line on a
// BroadcastChannel that the main thread collects into the same ring. The web
// listener reads the ring through the `log.tail` admin action.

import { Writable } from 'node:stream';
import { BroadcastChannel } from 'node:worker_threads';

export const LOG_LEVELS_BY_NUMBER: Readonly<Record<number, LogLevelName>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LEVEL_RANK: Readonly<Record<LogLevelName, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export const LOG_CHANNEL = 'pochta:log-lines';

export interface LogLine {
  readonly seq: number;
  readonly time: number;
  readonly level: LogLevelName;
  readonly msg: string;
  readonly listener?: string;
  readonly conn?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface LogFilter {
  /** Lines with seq greater than this. */
  readonly since?: number;
  readonly limit?: number;
  /** This level and above. */
  readonly level?: LogLevelName;
  readonly listener?: string;
  readonly conn?: string;
}

export interface LogRing {
  /** Add one pino JSON line (a line that is not JSON is kept as an info message). */
  push(line: string): void;
  /** The newest lines matching the filter (oldest first) and the seq to continue from. */
  tail(filter?: LogFilter): { lines: LogLine[]; next: number };
}

export function isLogLevelName(value: unknown): value is LogLevelName {
  return typeof value === 'string' && Object.hasOwn(LEVEL_RANK, value);
}

/** Parse one pino line; the fields pino adds for itself (pid, hostname, v) are dropped. */
export function parseLogLine(text: string, seq: number, now: () => number): LogLine | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let obj: Record<string, unknown>;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    obj = parsed as Record<string, unknown>;
  } catch {
    return { seq, time: now(), level: 'info', msg: trimmed.slice(0, 2000), fields: {} };
  }
  const { level, time, msg, listener, conn, pid: _pid, hostname: _host, v: _v, ...fields } = obj;
  const levelName = typeof level === 'number' ? (LOG_LEVELS_BY_NUMBER[level] ?? 'info') : isLogLevelName(level) ? level : ('info' as const);
  const when = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return {
    seq,
    time: Number.isFinite(when) ? when : now(),
    level: levelName,
    msg: typeof msg === 'string' ? msg : '',
    ...(typeof listener === 'string' ? { listener } : {}),
    ...(typeof conn === 'string' ? { conn } : {}),
    fields,
  };
}

export function createLogRing(options: { size?: number; now?: () => number } = {}): LogRing {
  const size = options.size ?? 2000;
  const now = options.now ?? Date.now;
  const lines: LogLine[] = [];
  let seq = 0;
  return {
    push(text) {
      const line = parseLogLine(text, seq + 1, now);
      if (!line) return;
      seq = line.seq;
      lines.push(line);
      if (lines.length > size) lines.splice(0, lines.length - size);
    },
    tail(filter = {}) {
      const limit = Math.max(1, Math.min(filter.limit ?? 200, size));
      const minRank = filter.level ? LEVEL_RANK[filter.level] : 0;
      const matched = lines.filter(
        (l) =>
          l.seq > (filter.since ?? 0) &&
          LEVEL_RANK[l.level] >= minRank &&
          (filter.listener === undefined || l.listener === filter.listener) &&
          (filter.conn === undefined || l.conn === filter.conn),
      );
      return { lines: matched.slice(-limit), next: seq };
    },
  };
}

/** A stream for pino (e.g. one of pino.multistream's) that feeds the ring line by line. */
export function logRingStream(ring: Pick<LogRing, 'push'>): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      partial += chunk.toString();
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        ring.push(partial.slice(0, newline));
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
      }
      callback();
    },
  });
}

/** A listener thread's stream: posts each line to the main thread's ring. */
export function logBroadcastStream(channelName = LOG_CHANNEL): Writable {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      channel.postMessage(chunk.toString());
      callback();
    },
    final(callback) {
      channel.close();
      callback();
    },
  });
}

/** The main thread's end: put every line listener threads post into the ring. Returns the stop function. */
export function collectLogLines(ring: Pick<LogRing, 'push'>, channelName = LOG_CHANNEL): () => void {
  const channel = new BroadcastChannel(channelName);
  channel.unref();
  channel.onmessage = (event) => {
    const data = (event as MessageEvent).data;
    if (typeof data !== 'string') return;
    for (const line of data.split('\n')) ring.push(line);
  };
  return () => channel.close();
}
