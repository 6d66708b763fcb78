// The logger a listener thread gets: the shared pino setup (firmware/log.ts,
// with its redaction) with {listener: name} on every line, written straight to
// fd 1 instead of through the worker's stdout pipe to the main thread, and
// posted (as JSON) to the main thread's log ring for the web UI's log view.

import pino from 'pino';
import { logBroadcastStream } from '../admin/log-ring.ts';
import { createLogger } from '../log.ts';
import type { Logger } from './service.ts';
import type { LogLevel } from './worker-messages.ts';

export function createWorkerLogger(level: LogLevel, pretty: boolean, bindings: Record<string, unknown>): Logger {
  // Synchronous writes: a listener that crashes or hangs must not lose its last
  // lines (a worker's process.stdout is only flushed by the main thread), and
  // each line is one write(2), so lines from different threads never interleave.
  const destination = pino.destination({ fd: 1, sync: true }) as unknown as NodeJS.WritableStream;
  return createLogger({ level, pretty, destination, base: bindings, tee: [logBroadcastStream()] });
}
