// The command contract: each verb is data (name, states, flags, argument
// grammar) plus a run function. The connection checks state and parses the
// arguments centrally, so run() only sees a valid, typed call.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Account, MailStore } from '../../store/types.ts';
import type { Logger } from '../../supervisor/service.ts';
import type { ImapResponse, OutputChunk } from '../compiler.ts';
import type { HeaderFieldsCache } from '../header-cache.ts';
import type { MessageCache } from '../message-cache.ts';
import type { CommandResult } from '../responses.ts';
import type { SearchCandidates } from '../search/candidates.ts';
import type { Session, SessionState } from '../session.ts';
import type { ArgReader } from '../syntax/args.ts';

/** What the IMAP listener is built from; everything is injected. */
export interface ImapDeps {
  readonly store: MailStore;
  readonly log: Logger;
  readonly now: () => number;
  readonly hostname: string;
  /**
   * Verify a password. Resolves the account, or undefined for a wrong
   * address/password pair; throws PochtaError AUTH_THROTTLED when slowed down.
   */
  readonly authenticate: (address: string, password: string, client: { readonly remoteAddress: string }) => Promise<Account | undefined>;
  /** May this client use LOGIN and AUTHENTICATE PLAIN without TLS? (dev mode on loopback only) */
  readonly allowInsecureAuth: (remoteAddress: string) => boolean;
  /** STARTTLS is offered when present (plain port). */
  readonly startTls?: (socket: Socket) => TLSSocket;
  /** APPENDLIMIT and the literal limit, bytes. */
  readonly maxMessageBytes: number;
  /** Narrows BODY/TEXT searches to candidate UIDs (the store's search index); scans when absent. */
  readonly searchCandidates?: SearchCandidates;
  /** Sessions per account; the server supplies it when it has a per-user limit. */
  readonly userSessions?: UserSessionLimit;
  /** Message listings shared by this listener's sessions (the server supplies one); commands list the store without. */
  readonly messageCache?: MessageCache;
  /** HEADER.FIELDS results shared by this listener's sessions (the server supplies one). */
  readonly headerCache?: HeaderFieldsCache;
}

/** Counts logged-in sessions per account on this listener. */
export interface UserSessionLimit {
  /** Take a slot for a session that just logged in; false when the account has no slot left. */
  acquire(accountId: string): boolean;
  /** Give the slot back when that session ends. */
  release(accountId: string): void;
}

export interface CommandFlags {
  /**
   * Talks in message sequence numbers (FETCH, STORE, SEARCH, COPY without UID):
   * no untagged EXPUNGE may be sent while or right after it (RFC 3501 7.4.1).
   */
  readonly usesSequenceNumbers?: boolean;
  /**
   * Removes messages (EXPUNGE, CLOSE, MOVE): sequence numbers change under it,
   * like Dovecot's COMMAND_FLAG_BREAKS_SEQS.
   */
  readonly breaksSequenceNumbers?: boolean;
}

export interface CommandContext {
  readonly tag: string;
  readonly session: Session;
  readonly deps: ImapDeps;
  /** Send an untagged or continuation response now. */
  send(response: ImapResponse): Promise<void>;
  /** Send responses already compiled to wire bytes (in order with send). */
  write(chunks: OutputChunk[]): Promise<void>;
  /**
   * Send a continuation and read the client's next line raw (AUTHENTICATE).
   * Resolves undefined when the connection closed first.
   */
  readLine(prompt: ImapResponse): Promise<Buffer | undefined>;
  /** Capabilities for the session's current state. */
  capabilities(): string[];
  /**
   * Send pending mailbox updates now (IDLE, and commands that must tell
   * changes before their own responses). EXPUNGE only when allowExpunge.
   */
  flushUpdates(allowExpunge: boolean): Promise<void>;
  /** The connection's timer (injected, so tests fake time); returns the cancel function. */
  readonly setTimer: (ms: number, fn: () => void) => () => void;
}

export interface CommandSpec<A> {
  /** Upper-case wire name, `UID FETCH` for UID variants. */
  readonly name: string;
  readonly states: readonly SessionState[];
  readonly flags?: CommandFlags;
  /** The argument grammar; throws ImapSyntaxError (→ BAD). */
  readonly args: (reader: ArgReader) => A;
  /** Do the work. A protocol NO is returned, not thrown; a thrown error becomes NO/BAD in responses.ts. */
  run(ctx: CommandContext, args: A): Promise<CommandResult>;
}

/** A registered command, its argument type hidden behind prepare(). */
export interface Command {
  readonly name: string;
  readonly states: readonly SessionState[];
  readonly flags: CommandFlags;
  /** Parse the arguments; the returned function runs the command with them. */
  prepare(reader: ArgReader): (ctx: CommandContext) => Promise<CommandResult>;
}

export function defineCommand<A>(spec: CommandSpec<A>): Command {
  return {
    name: spec.name,
    states: spec.states,
    flags: spec.flags ?? {},
    prepare(reader) {
      const args = spec.args(reader);
      return (ctx) => spec.run(ctx, args);
    },
  };
}

export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
