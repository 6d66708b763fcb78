// The Service seam: what the supervisor runs. Each listener (smtp, submission,
// smtps, imap, imaps, pop3, pop3s, web, queue) is a Service created inside its
// own worker thread from a ListenerContext; the supervisor only sees its state.

import type { MailStore } from '../store/types.ts';

/** Listener names are fixed: scripts and `--listen NAME=HOST:PORT` rely on them. */
export const LISTENER_NAMES = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'web', 'queue'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** A structured logger (pino's shape); child() adds bindings such as a connection id. */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  fatal(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Everything a listener gets; it reaches nothing else (no globals, no config file). */
export interface ListenerContext {
  readonly name: ListenerName;
  /** Where to listen; undefined for services without a socket (queue). */
  readonly address?: ListenAddress;
  readonly store: MailStore;
  readonly log: Logger;
  readonly hostname: string;
  readonly dataDir: string;
  readonly tls: TlsFiles;
  readonly dev: boolean;
  /** Clock, injectable so retry and backoff are tested with fake time. */
  readonly now: () => number;
  /** Listener-specific settings from the bootstrap config (plain data); absent when there are none. */
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface Service {
  /** Start serving; resolves once the socket is bound and the service would answer a client. */
  start(): Promise<void>;
  /** Stop accepting, finish or close sessions, resolve by `deadline` (ms since epoch) at the latest. */
  stop(deadline: number): Promise<void>;
  /** The address actually bound after start() (a port 0 becomes the real port); optional. */
  address?(): ListenAddress | undefined;
}

/** A listener module exports this as `createService`; the worker runtime imports it by file path. */
export type ServiceFactory = (ctx: ListenerContext) => Service | Promise<Service>;

export type ListenerState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

/** What `pochta status` and the web UI show per listener. */
export interface ListenerStatus {
  readonly name: ListenerName;
  readonly state: ListenerState;
  readonly address?: ListenAddress;
  readonly since: number; // ms since epoch of the last state change
  readonly startedAt?: number;
  readonly restarts: number;
  readonly lastError?: string;
}
