// The worker-thread end of the store bridge: a MailStore whose calls travel
// over a MessagePort to serveStore on the main thread, which owns LevelDB.
//
// Bodies cross as transferred ArrayBuffers, never as structured clones. A body
// the listener passes in is copied once into a fresh buffer which is then
// transferred, so the caller's Uint8Array stays usable, exactly as with the
// direct store (see transfer.ts for why it is not moved). Bodies coming back
// (readBody) are moved without any copy: the store hands out fresh buffers.

import type { MessagePort } from 'node:worker_threads';
import { ERRORS, type ErrorCode, PochtaError } from '../errors.ts';
import type { MailStore, StoreEvent } from '../store/types.ts';
import { blobPathIn } from './blob-path.ts';
import type { CallMessage } from './bridge-messages.ts';
import { postTransferring } from './post.ts';
import { REMOTE_METHODS, type RemoteMethod } from './store-methods.ts';
import { prepareTransfer } from './transfer.ts';

export interface StoreProxyOptions {
  /** The store's blob directory (<dataDir>/blobs); needed for blobPath(). */
  readonly blobDir?: string;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export function createStoreProxy(port: MessagePort, options: StoreProxyOptions): MailStore {
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: StoreEvent) => void>();
  let nextId = 1;
  let closed = false;

  // Keep the thread alive only while an answer or an event is awaited, so a
  // listener that stops everything else can exit without closing the proxy.
  const updateRef = (): void => {
    if (closed) return;
    if (pending.size > 0 || listeners.size > 0) port.ref();
    else port.unref();
  };

  const shutDown = (detail: string): void => {
    if (closed) return;
    closed = true;
    listeners.clear();
    for (const p of pending.values()) p.reject(new PochtaError('STORE_CLOSED', detail));
    pending.clear();
    port.off('message', onMessage);
    port.close();
  };

  const call = (method: CallMessage['method'], args: readonly unknown[]): Promise<unknown> => {
    if (closed) return Promise.reject(new PochtaError('STORE_CLOSED', 'store proxy is closed'));
    let prepared: ReturnType<typeof prepareTransfer>;
    try {
      prepared = prepareTransfer(args, 'copy');
    } catch (err) {
      return Promise.reject(err);
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      updateRef();
      const message: CallMessage = { id, method, args: prepared.value as unknown[] };
      try {
        postTransferring(port, message, prepared.transfer);
      } catch (err) {
        pending.delete(id);
        updateRef();
        reject(new PochtaError('INVALID_ARGUMENT', `store call ${method} cannot be sent: ${String(err)}`, { cause: err }));
      }
    });
  };

  const onMessage = (message: unknown): void => {
    if (typeof message !== 'object' || message === null) return;
    if ('event' in message) {
      deliverEvent((message as { event: StoreEvent }).event);
      return;
    }
    const { id } = message as { id?: unknown };
    if (typeof id !== 'number') return;
    const waiter = pending.get(id);
    if (waiter === undefined) return;
    pending.delete(id);
    updateRef();
    if ('error' in message) {
      const { code, message: text } = (message as { error: { code?: unknown; message?: unknown } }).error;
      waiter.reject(new PochtaError(knownCode(code), typeof text === 'string' ? text : undefined));
    } else {
      waiter.resolve((message as { result?: unknown }).result);
    }
  };

  const deliverEvent = (event: StoreEvent): void => {
    // Every subscriber sees the event even if an earlier one throws; the first
    // failure is then rethrown, because a broken listener is a listener bug.
    let failure: { err: unknown } | undefined;
    for (const fn of [...listeners]) {
      try {
        fn(event);
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  };

  port.on('message', onMessage);
  port.once('close', () => shutDown('store connection closed'));
  updateRef();

  const proxy: Partial<Record<keyof MailStore, unknown>> = {};
  for (const method of REMOTE_METHODS) {
    proxy[method] = (...args: unknown[]) => call(method satisfies RemoteMethod, args);
  }
  proxy.blobPath = (blobId: string): string => {
    if (options.blobDir === undefined) throw new PochtaError('INTERNAL', 'store proxy was created without blobDir');
    return blobPathIn(options.blobDir, blobId);
  };
  // The feed starts when the main thread handles the subscription, which comes
  // before any call this thread sends afterwards: subscribe first, then read the
  // state, and nothing is missed (the usual pattern for IDLE).
  proxy.subscribe = (listener: (event: StoreEvent) => void): (() => void) => {
    if (closed) return () => {};
    // A fresh wrapper per call, so subscribing the same function twice gives two independent subscriptions.
    const entry = (event: StoreEvent): void => listener(event);
    listeners.add(entry);
    if (listeners.size === 1) void call('subscribe', []).catch(() => {});
    updateRef();
    return () => {
      if (!listeners.delete(entry)) return;
      if (listeners.size === 0 && !closed) void call('unsubscribe', []).catch(() => {});
      updateRef();
    };
  };
  // Closing a proxy detaches this thread only; the main thread owns and closes the real store.
  proxy.close = async (): Promise<void> => shutDown('store proxy is closed');
  return proxy as MailStore;
}

function knownCode(code: unknown): ErrorCode {
  return typeof code === 'string' && code in ERRORS ? (code as ErrorCode) : 'INTERNAL';
}
