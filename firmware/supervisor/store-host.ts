// The main-thread end of the store bridge: runs calls that a listener thread
// sends over its MessagePort against the one real MailStore and posts the
// results back. A listener that dies mid-call cannot hurt the store: calls it
// started run to completion (a half-sent write is never cancelled), replies to
// its closed port are dropped, and its change-feed subscription is removed.

import type { MessagePort } from 'node:worker_threads';
import { errorCodeOf } from '../errors.ts';
import type { MailStore } from '../store/types.ts';
import type { CallMessage, HostMessage } from './bridge-messages.ts';
import { postTransferring } from './post.ts';
import type { Logger } from './service.ts';
import { isRemoteMethod } from './store-methods.ts';
import { prepareTransfer } from './transfer.ts';

export interface ServeStoreOptions {
  /** Where protocol misuse and send failures are reported. */
  readonly log?: Logger;
  /**
   * Transfer result bodies (readBody) instead of copying them. Only safe while
   * the store hands out buffers it does not keep; default true.
   */
  readonly transferResults?: boolean;
}

export interface StoreHost {
  /** Calls received whose promise has not settled yet (still running against the store). */
  readonly inFlight: number;
  /** Whether this port currently receives the change feed. */
  readonly subscribed: boolean;
  /** Resolves when every call received so far has settled; used to drain before closing the store. */
  idle(): Promise<void>;
  /** Stop serving this port: drop the subscription, ignore later replies, close the port. Idempotent. */
  close(): void;
}

export function serveStore(store: MailStore, port: MessagePort, options: ServeStoreOptions = {}): StoreHost {
  const transferResults = options.transferResults ?? true;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const running = new Set<Promise<void>>();

  const send = (message: HostMessage, transfer: ArrayBuffer[] = []): void => {
    if (closed) return;
    try {
      postTransferring(port, message, transfer);
    } catch (err) {
      // A result that cannot be cloned is a store bug; the caller still gets an answer.
      options.log?.error({ err }, 'store bridge: cannot post reply');
      if ('id' in message) port.postMessage({ id: message.id, error: { code: 'INTERNAL', message: 'reply could not be sent' } });
    }
  };

  const reply = async (call: CallMessage): Promise<void> => {
    try {
      const result = await invoke(call);
      if (transferResults) {
        const prepared = prepareTransfer(result, 'move');
        send({ id: call.id, result: prepared.value }, prepared.transfer);
      } else {
        send({ id: call.id, result });
      }
    } catch (err) {
      send({ id: call.id, error: { code: errorCodeOf(err), message: err instanceof Error ? err.message : String(err) } });
    }
  };

  const invoke = async (call: CallMessage): Promise<unknown> => {
    if (call.method === 'subscribe') {
      unsubscribe ??= store.subscribe((event) => send({ event }));
      return undefined;
    }
    if (call.method === 'unsubscribe') {
      unsubscribe?.();
      unsubscribe = undefined;
      return undefined;
    }
    const fn = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    return fn.apply(store, [...call.args]);
  };

  const onMessage = (message: unknown): void => {
    if (closed) return;
    const call = asCall(message);
    if (call === undefined) {
      options.log?.warn({ message: describe(message) }, 'store bridge: malformed call dropped');
      const id = (message as { id?: unknown } | null)?.id;
      if (typeof id === 'number') send({ id, error: { code: 'INVALID_ARGUMENT', message: 'malformed store call' } });
      return;
    }
    const done = reply(call).finally(() => running.delete(done));
    running.add(done);
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    unsubscribe = undefined;
    port.off('message', onMessage);
    port.close();
  };

  port.on('message', onMessage);
  port.once('close', close);

  return {
    get inFlight() {
      return running.size;
    },
    get subscribed() {
      return unsubscribe !== undefined;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    close,
  };
}

function asCall(message: unknown): CallMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { id, method, args } = message as Record<string, unknown>;
  if (typeof id !== 'number' || !Array.isArray(args)) return undefined;
  if (method !== 'subscribe' && method !== 'unsubscribe' && !isRemoteMethod(method)) return undefined;
  return { id, method, args };
}

function describe(message: unknown): string {
  if (typeof message !== 'object' || message === null) return typeof message;
  return `keys: ${Object.keys(message).join(',')}`;
}
