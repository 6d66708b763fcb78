// Per-connection session state: what the state machine and the commands share.
// Plain data plus the queue of untagged updates that the store's change feed
// fills (EXISTS, EXPUNGE, FETCH FLAGS) and the connection drains at the points
// RFC 3501 allows.

import type { ImapResponse } from './compiler.ts';
import type { MailboxView } from './mailbox-view.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface SessionAccount {
  readonly id: string;
  readonly address: string;
}

/** The selected mailbox: this session's view of it (sequence numbers, pending changes). */
export type SelectedMailbox = MailboxView;

/** One queued untagged response; `expunge` marks those that renumber messages. */
interface QueuedUpdate {
  readonly response: ImapResponse;
  readonly expunge: boolean;
}

/**
 * Untagged updates waiting for a moment they may be sent. An EXPUNGE must not
 * go out during FETCH, STORE or SEARCH (RFC 3501 7.4.1); whatever was queued
 * after it waits too, so counts and numbers stay in order.
 */
export class UpdateQueue {
  private queue: QueuedUpdate[] = [];
  private listener: (() => void) | undefined;

  /** Queue a response; `expunge` for one that changes sequence numbers. */
  push(response: ImapResponse, expunge = false): void {
    this.queue.push({ response, expunge });
    this.listener?.();
  }

  /** Call the listener without queuing anything (a mailbox change was recorded elsewhere). */
  poke(): void {
    this.listener?.();
  }

  /** Called after each push or poke (IDLE flushes at once). One listener; undefined removes it. */
  onPush(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Take what may be sent now, in order, stopping at the first EXPUNGE when expunges are not allowed. */
  drain(allowExpunge: boolean): ImapResponse[] {
    let n = this.queue.length;
    if (!allowExpunge) {
      const first = this.queue.findIndex((u) => u.expunge);
      if (first !== -1) n = first;
    }
    return this.queue.splice(0, n).map((u) => u.response);
  }

  clear(): void {
    this.queue = [];
  }
}

export interface Session {
  /** Connection id, also in every log line of this connection. */
  readonly id: string;
  state: SessionState;
  account: SessionAccount | undefined;
  selected: SelectedMailbox | undefined;
  /** Extensions the client turned on with ENABLE (upper-cased). */
  readonly enabled: Set<string>;
  /** TLS is active (implicit TLS or after STARTTLS). */
  secure: boolean;
  /** COMPRESS=DEFLATE is active (RFC 4978). */
  compressed: boolean;
  readonly remoteAddress: string;
  /** What the client said in ID, for the log. */
  clientId: ReadonlyMap<string, string | null> | undefined;
  /** Failed LOGIN/AUTHENTICATE attempts on this connection. */
  authFailures: number;
  readonly updates: UpdateQueue;
}

export function createSession(id: string, remoteAddress: string, secure: boolean): Session {
  return {
    id,
    state: 'not-authenticated',
    account: undefined,
    selected: undefined,
    enabled: new Set(),
    secure,
    compressed: false,
    remoteAddress,
    clientId: undefined,
    authFailures: 0,
    updates: new UpdateQueue(),
  };
}
