// What crosses the MessagePort between a listener's MailStore proxy (worker
// side) and serveStore (main thread). Plain structured-cloneable data only.

import type { ErrorCode } from '../errors.ts';
import type { StoreEvent } from '../store/types.ts';
import type { RemoteMethod } from './store-methods.ts';

/** Worker → host. subscribe/unsubscribe switch the change feed for this port on and off. */
export interface CallMessage {
  readonly id: number;
  readonly method: RemoteMethod | 'subscribe' | 'unsubscribe';
  readonly args: readonly unknown[];
}

export interface ReplyOk {
  readonly id: number;
  readonly result: unknown;
}

export interface ReplyError {
  readonly id: number;
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** Host → worker: a committed change, sent only while the port is subscribed. */
export interface EventMessage {
  readonly event: StoreEvent;
}

export type HostMessage = ReplyOk | ReplyError | EventMessage;
