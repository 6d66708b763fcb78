// The logger a listener thread gets: pino JSON lines written straight to fd 1
// (journald reads stdout), with {listener: name} on every line. Kept behind one
// function so the shared firmware/log.ts can take over without touching callers.

import pino from 'pino';
import type { Logger } from './service.ts';
import type { LogLevel } from './worker-messages.ts';

export function createWorkerLogger(level: LogLevel, bindings: Record<string, unknown>): Logger {
  // Synchronous writes: a listener that crashes must not lose its last lines, and
  // each line is one write(2), so lines from different threads never interleave.
  return pino({ level, base: { pid: process.pid, ...bindings } }, pino.destination({ fd: 1, sync: true }));
}
