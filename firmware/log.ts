// Logging: pino JSON lines on stdout (journald keeps them), pretty in dev mode.
// A child logger per listener and per connection carries its name and id on
// every line. Secrets are redacted by field name at any of the first three
// levels, and the admin room logs action names, never their parameters; this
// list is the second line of defence, not the first.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pino from 'pino';
import type { LogLevel } from './config/bootstrap.ts';
import type { Logger } from './supervisor/service.ts';

/** Field names whose values never reach a log line. */
export const REDACTED_FIELDS = [
  'password',
  'newPassword',
  'passwordHash',
  'pass',
  'secret',
  'privateKeyPem',
  'authorization',
  'credentials',
  'authPayload',
  'saslResponse',
  'body',
  'raw',
] as const;

export const REDACT_PATHS: readonly string[] = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable colored lines (dev mode) instead of JSON. */
  readonly pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
  /** Bindings on every line (e.g. pid is added by pino itself). */
  readonly base?: Record<string, unknown>;
  /** More places every line goes, always as JSON (already redacted), e.g. the web UI's log ring. */
  readonly tee?: readonly NodeJS.WritableStream[];
}

export type RootLogger = pino.Logger & Logger;

/** The process's root logger; pass it (or children of it) down, never import a global one. */
export function createLogger(options: LoggerOptions): RootLogger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level,
    base: { pid: process.pid, ...options.base },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination ?? process.stdout;
  const stream = options.pretty
    ? // Loaded only in dev mode: every listener thread makes a logger, and an appliance never needs it.
      (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({
        // Synchronous so the last lines before an exit are not lost.
        sync: true,
        colorize: Boolean((destination as NodeJS.WriteStream).isTTY),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
        destination,
      })
    : destination;
  // Always a multistream, so teeLog() can add a stream to a logger made long
  // before (the daemon gets its logger from `serve`). Each stream takes every
  // level: the logger's own level already decided which lines exist.
  const streams: pino.StreamEntry[] = [stream, ...(options.tee ?? [])].map((s) => ({
    level: 'trace',
    stream: s as pino.DestinationStream,
  }));
  return pino(pinoOptions, pino.multistream(streams)) as RootLogger;
}

/**
 * Send every line `log` (or any child of it, earlier or later) writes from now
 * on to `stream` as well, as JSON (already redacted). Returns the function that
 * stops it. Throws for a logger createLogger did not make.
 */
export function teeLog(log: Logger, stream: NodeJS.WritableStream): () => void {
  const target = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as pino.MultiStreamRes | undefined;
  if (target === undefined || typeof target.add !== 'function') throw new Error('teeLog: the logger was not made by createLogger');
  target.add({ level: 'trace', stream: stream as pino.DestinationStream });
  // pino keeps an id on each entry (not in its types); remove() wants it.
  const entry = (target.streams as unknown as { stream: unknown; id: number }[]).find((e) => e.stream === stream);
  return () => {
    if (entry !== undefined) target.remove(entry.id);
  };
}

/** The logger a listener gets: every line names it. */
export function listenerLogger(log: Logger, name: string): Logger {
  return log.child({ listener: name });
}

/** A short random id for a connection, on each of its lines. */
export function newConnectionId(): string {
  return randomBytes(6).toString('base64url');
}

/** The logger for one connection: every line carries its id and peer. */
export function connectionLogger(log: Logger, info: { id?: string; remoteAddress?: string } = {}): Logger {
  return log.child({ conn: info.id ?? newConnectionId(), ...(info.remoteAddress ? { remote: info.remoteAddress } : {}) });
}
