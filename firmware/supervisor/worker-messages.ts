// What the supervisor and a listener's worker runtime say to each other over
// the worker's parentPort, and the boot data the worker starts from.

import type { MessagePort } from 'node:worker_threads';
import type { ListenAddress, ListenerName, TlsFiles } from './service.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Fault kinds a dev-mode debug command can inject into a listener (issue 6). */
export type FaultKind = 'throw' | 'exit' | 'hang';

export interface WorkerBoot {
  readonly name: ListenerName;
  /** File URL of the listener module (exports createService). */
  readonly moduleUrl: string;
  readonly address?: ListenAddress;
  readonly hostname: string;
  readonly dataDir: string;
  readonly tls: TlsFiles;
  readonly dev: boolean;
  readonly logLevel: LogLevel;
  readonly logPretty: boolean;
  readonly blobDir: string;
  readonly heartbeatMs: number;
  readonly options?: Readonly<Record<string, unknown>>;
  /** The worker's end of the store bridge (transferred). */
  readonly storePort: MessagePort;
}

export type ToWorker = { readonly type: 'stop'; readonly deadline: number } | { readonly type: 'fault'; readonly kind: FaultKind };

export type FromWorker =
  | { readonly type: 'ready'; readonly address?: ListenAddress }
  | { readonly type: 'heartbeat' }
  | { readonly type: 'start-failed'; readonly message: string }
  | { readonly type: 'stopped' };
