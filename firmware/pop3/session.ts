// Per-connection POP3 state (RFC 1939 section 3): AUTHORIZATION until a
// login, TRANSACTION with a locked maildrop, UPDATE once QUIT commits.

import type { Maildrop } from './maildrop.ts';
import type { HeldLock } from './maildrop-lock.ts';
import { ReadAhead } from './read-ahead.ts';

export type Pop3State = 'authorization' | 'transaction' | 'update';

export interface Session {
  readonly id: string;
  readonly remoteAddress: string;
  /** TLS is on (implicit, or after STLS). */
  secure: boolean;
  state: Pop3State;
  /** The name a USER command gave, waiting for PASS. */
  user: string | undefined;
  account: { readonly id: string; readonly address: string } | undefined;
  maildrop: Maildrop | undefined;
  lock: HeldLock | undefined;
  /** Stops following the change feed for the maildrop. */
  unwatch: (() => void) | undefined;
  /** The next message's body, read while the current one is sent. */
  readonly readAhead: ReadAhead;
  /** Failed logins on this connection; the connection is dropped after a few. */
  authFailures: number;
}

export function createSession(id: string, remoteAddress: string, secure: boolean): Session {
  return {
    id,
    remoteAddress,
    secure,
    state: 'authorization',
    user: undefined,
    account: undefined,
    maildrop: undefined,
    lock: undefined,
    unwatch: undefined,
    readAhead: new ReadAhead(),
    authFailures: 0,
  };
}
