// Password verification for a mail listener's logins, with guessing made
// slow: every failure from a client address is answered after a delay that
// grows with the failures so far, and past `maxFailures` within the window
// that address is refused outright (AUTH_THROTTLED) until the window passes.
// Protocol-free: IMAP and POP3 wrap it with their own delay curve and call shape.

import { PochtaError } from '../errors.ts';
// helpers.ts, not index.ts: a listener thread never opens LevelDB, so it need not load its native module.
import { normalizeAddress, verifyPassword } from '../store/helpers.ts';
import type { Account, MailStore } from '../store/types.ts';

export interface PasswordThrottleOptions {
  readonly store: Pick<MailStore, 'findAccount'>;
  readonly now: () => number;
  /** Waits; injected so tests do not really wait. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Failures from one address within the window before it is refused. */
  readonly maxFailures: number;
  /** How long failures are remembered, from the first one; 15 minutes by default. */
  readonly windowMs?: number;
  /** Delay before answering the `failures`-th failure in the window (1 for the first). */
  readonly delayMs: (failures: number) => number;
  readonly verify?: (password: string, hash: string) => Promise<boolean>;
}

/** Resolves the enabled account for a right pair, or undefined (after the delay) for a wrong one; throws AUTH_THROTTLED when the address is refused. */
export type CheckPassword = (address: string, password: string, remoteAddress: string) => Promise<Account | undefined>;

/** Addresses tracked at most, so a spray of sources cannot grow memory without bound. */
const MAX_TRACKED = 10_000;

export function createPasswordThrottle(options: PasswordThrottleOptions): CheckPassword {
  const windowMs = options.windowMs ?? 15 * 60_000;
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
    // Re-inserted so the Map's order is least recently failed first: the one evicted below.
    failures.delete(remoteAddress);
    failures.set(remoteAddress, entry);
    if (failures.size > MAX_TRACKED) {
      const oldest = failures.keys().next().value;
      if (oldest !== undefined) failures.delete(oldest);
    }
    await options.sleep(options.delayMs(entry.count));
    return undefined;
  };
}
