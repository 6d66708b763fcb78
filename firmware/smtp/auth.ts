// Submission identity: AUTH PLAIN/LOGIN against the store with brute-force
// throttling, and the rule that a user sends only as one of its own addresses
// (its account address or an alias that delivers to it).

import type { AuthUser } from '../delivery/target.ts';
import type { MailStore } from '../store/types.ts';
import type { AuthThrottle } from './limits.ts';
import { REPLIES, type Reply } from './replies.ts';

export interface LoginDeps {
  readonly store: Pick<MailStore, 'findAccount'>;
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>;
  readonly throttle: AuthThrottle;
}

export interface LoginAttempt {
  readonly method: string;
  readonly username?: string | undefined;
  readonly password?: string | null | undefined;
  /** PLAIN's authorization identity; acting as someone else is not offered. */
  readonly authzid?: string | undefined;
  readonly ip: string;
}

export type LoginResult =
  | { readonly ok: true; readonly user: AuthUser }
  | { readonly ok: false; readonly reply: Reply; readonly username: string; readonly reason: string };

/** Check one login. The result says why it failed for the log; the client only ever sees the generic reply. */
export async function checkLogin(
  deps: LoginDeps,
  attempt: LoginAttempt,
  limits: { readonly perIp: number; readonly perAccount: number },
): Promise<LoginResult> {
  const username = normalizeEnvelopeAddress(attempt.username ?? '');
  const fail = (reason: string): LoginResult => {
    deps.throttle.failed(attempt.ip, username);
    return { ok: false, reply: REPLIES.authFailed, username, reason };
  };
  // Refused before the password is looked at, so a throttled guesser learns nothing.
  if (deps.throttle.blocked(attempt.ip, username, limits)) {
    return { ok: false, reply: REPLIES.authThrottled, username, reason: 'throttled' };
  }
  if (attempt.method !== 'PLAIN' && attempt.method !== 'LOGIN') return fail('method');
  if (attempt.authzid && normalizeEnvelopeAddress(attempt.authzid) !== username) return fail('authzid');
  const password = attempt.password ?? '';
  if (username === '' || password === '') return fail('empty');
  const account = await deps.store.findAccount(username);
  if (!account) return fail('unknown-user');
  if (!(await deps.verifyPassword(password, account.passwordHash))) return fail('bad-password');
  if (!account.enabled) return fail('disabled');
  deps.throttle.succeeded(username);
  return { ok: true, user: { accountId: account.id, address: account.address } };
}

/** True when `from` is the user's own address or a local alias that delivers to the user. */
export async function senderAllowed(
  store: Pick<MailStore, 'getAlias' | 'resolveRecipient'>,
  user: AuthUser,
  from: string,
): Promise<boolean> {
  const address = normalizeEnvelopeAddress(from);
  if (address === user.address) return true;
  // Only an explicit alias counts: a catch-all would otherwise let its owner send as anyone in the domain.
  const alias = await store.getAlias(address);
  if (!alias) return false;
  const resolved = await store.resolveRecipient(address);
  return resolved?.accountIds.includes(user.accountId) ?? false;
}

// Login names and sender addresses compare in lower case, as the store keeps them.
function normalizeEnvelopeAddress(address: string): string {
  return address.trim().toLowerCase();
}
