// The command contract: each verb is data (name, states, argument grammar)
// plus a run function. The connection checks the state and parses the
// arguments centrally, so run() only sees a valid, typed call.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { MailStore } from '../../store/types.ts';
import type { Logger } from '../../supervisor/service.ts';
import type { HeldLock } from '../maildrop-lock.ts';
import type { ParsedCommand } from '../parser.ts';
import type { Authenticate } from '../password-check.ts';
import type { Reply } from '../replies.ts';
import type { Pop3State, Session } from '../session.ts';

/** What the POP3 listener is built from; everything is injected. */
export interface Pop3Deps {
  readonly store: MailStore;
  readonly log: Logger;
  readonly now: () => number;
  readonly hostname: string;
  /** Verify a password; undefined for a wrong pair, throws AUTH_THROTTLED when the client is refused. */
  readonly authenticate: Authenticate;
  /** May this client send a password without TLS? (dev mode on loopback only) */
  readonly allowInsecureAuth: (remoteAddress: string) => boolean;
  /** STLS is offered when present (plain port). */
  readonly startTls?: (socket: Socket) => TLSSocket;
  /** Take the maildrop lock for a session; undefined when another session holds it. */
  readonly lockMaildrop: (accountId: string, holder: string) => Promise<HeldLock | undefined>;
}

export interface CommandContext {
  readonly session: Session;
  readonly deps: Pop3Deps;
  /** Send a continuation (`+ text`) and read the client's next line raw; undefined when the connection closed. */
  readLine(prompt: string): Promise<Buffer | undefined>;
  /** CAPA lines for the session's current state. */
  capabilities(): string[];
}

export interface CommandSpec<A> {
  /** Upper-case keyword. */
  readonly name: string;
  readonly states: readonly Pop3State[];
  /** The argument grammar; throws Pop3SyntaxError (a plain -ERR). */
  readonly args: (command: ParsedCommand) => A;
  /** Do the work. A protocol -ERR is returned, not thrown; a thrown error becomes -ERR in replies.ts. */
  run(ctx: CommandContext, args: A): Promise<Reply>;
}

/** A registered command, its argument type hidden behind prepare(). */
export interface Command {
  readonly name: string;
  readonly states: readonly Pop3State[];
  /** Parse the arguments; the returned function runs the command with them. */
  prepare(command: ParsedCommand): (ctx: CommandContext) => Promise<Reply>;
}

export function defineCommand<A>(spec: CommandSpec<A>): Command {
  return {
    name: spec.name,
    states: spec.states,
    prepare(command) {
      const args = spec.args(command);
      return (ctx) => spec.run(ctx, args);
    },
  };
}

export const AUTHORIZATION: readonly Pop3State[] = ['authorization'];
export const TRANSACTION: readonly Pop3State[] = ['transaction'];
export const ANY_STATE: readonly Pop3State[] = ['authorization', 'transaction'];
