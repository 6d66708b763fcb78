// Password verification for POP3 logins, with guessing made slow: every
// failure from a client address is answered after a delay that doubles per
// failure (capped), and past `maxFailures` within the window that address is
// refused outright (AUTH_THROTTLED) until the window passes.
//
// Written for POP3 but protocol-free; IMAP keeps a similar check of its own.
// Shared later: both could use one module in firmware/net or firmware/auth.

import { PochtaError } from '../errors.ts';
// helpers.ts, not index.ts: a listener thread never opens LevelDB, so it need not load its native module.
import { normalizeAddress, verifyPassword } from '../store/helpers.ts';
import type { Account, MailStore } from '../store/types.ts';

export interface PasswordCheckOptions {
  readonly store: Pick<MailStore, 'findAccount'>;
  readonly now: () => number;
  /** Waits; injected so tests do not really wait. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Failures from one address within the window before it is refused. */
  readonly maxFailures: number;
  readonly windowMs?: number;
  /** Delay after the first failure; doubles per further failure. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly verify?: (password: string, hash: string) => Promise<boolean>;
}

/** Resolves the account, or undefined for a wrong pair; throws AUTH_THROTTLED when the address is refused. */
export type Authenticate = (address: string, password: string, remoteAddress: string) => Promise<Account | undefined>;

/** Addresses tracked at most, so a spray of sources cannot grow memory without bound. */
const MAX_TRACKED = 10_000;

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const firstDelay = options.firstDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 8000;
  const verify = options.verify ?? verifyPassword;
  const failures = new Map<string, { count: number; since: number }>();

  const current = (ip: string, now: number) => {
    const entry = failures.get(ip);
    if (entry !== undefined && now - entry.since > windowMs) {
      failures.delete(ip);
      return undefined;
    }
    return entry;
  };

  return async (address, password, remoteAddress) => {
    const now = options.now();
    const before = current(remoteAddress, now);
    if (before !== undefined && before.count >= options.maxFailures) {
      throw new PochtaError('AUTH_THROTTLED', `${before.count} failed logins from ${remoteAddress}`);
    }
    let normalized: string | undefined;
    try {
      normalized = normalizeAddress(address);
    } catch {
      // A malformed address is a wrong login, not a server fault.
    }
    const account = normalized === undefined ? undefined : await options.store.findAccount(normalized);
    if (account?.enabled === true && (await verify(password, account.passwordHash))) {
      failures.delete(remoteAddress);
      return account;
    }
    const entry = current(remoteAddress, options.now()) ?? { count: 0, since: now };
    entry.count++;
    failures.delete(remoteAddress);
    failures.set(remoteAddress, entry);
    if (failures.size > MAX_TRACKED) {
      const oldest = failures.keys().next().value;
      if (oldest !== undefined) failures.delete(oldest);
    }
    await options.sleep(Math.min(firstDelay * 2 ** (entry.count - 1), maxDelay));
    return undefined;
  };
}
