// What LOGIN and AUTHENTICATE share: the TLS rule, the password check through
// the injected authenticate(), and dropping clients that keep guessing.

import { atom } from '../compiler.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import type { CommandContext } from './types.ts';

/** Failed attempts after which the connection is closed (a client must reconnect to guess again). */
export const MAX_AUTH_FAILURES = 3;

/** Plaintext passwords only over TLS, except where the deps allow it (dev mode on loopback). */
export function signInRefused(ctx: CommandContext): CommandResult | undefined {
  if (ctx.session.secure || ctx.deps.allowInsecureAuth(ctx.session.remoteAddress)) return undefined;
  return no('Use STARTTLS or port 993 first', code('PRIVACYREQUIRED'));
}

export async function signIn(ctx: CommandContext, address: string, password: string): Promise<CommandResult> {
  const account = await ctx.deps.authenticate(address, password, { remoteAddress: ctx.session.remoteAddress });
  if (account === undefined || !account.enabled) {
    ctx.session.authFailures++;
    ctx.deps.log.info({ conn: ctx.session.id, user: address.slice(0, 256), failures: ctx.session.authFailures }, 'imap login failed');
    const result = no('Authentication failed', code('AUTHENTICATIONFAILED'));
    return ctx.session.authFailures >= MAX_AUTH_FAILURES ? { ...result, after: 'close' } : result;
  }
  // Many sessions per user are normal (one per folder in some clients); hundreds are a runaway client.
  if (ctx.deps.userSessions !== undefined && !ctx.deps.userSessions.acquire(account.id)) {
    return no('Too many connections for this account', code('LIMIT'));
  }
  ctx.session.account = { id: account.id, address: account.address };
  ctx.session.state = 'authenticated';
  ctx.deps.log.info({ conn: ctx.session.id, user: account.address }, 'imap login');
  return ok('Logged in', code('CAPABILITY', ...ctx.capabilities().map(atom)));
}
