// The IMAP listener's authenticate(): account lookup and scrypt check through
// the store room's public face, with failures slowed down per client address
// and refused outright (AUTH_THROTTLED) past a limit, so guessing is slow.

import { PochtaError } from '../errors.ts';
// helpers.ts, not index.ts: a listener thread never opens LevelDB, so it need not load its native module.
import { normalizeAddress, verifyPassword } from '../store/helpers.ts';
import type { Account, MailStore } from '../store/types.ts';

export interface PasswordCheckOptions {
  readonly store: Pick<MailStore, 'findAccount'>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Failures from one address within the window before it is refused. */
  readonly maxFailures: number;
  readonly windowMs?: number;
  /** Delay before answering a failure, per failure so far (capped). */
  readonly failureDelayMs?: number;
  readonly verify?: (password: string, hash: string) => Promise<boolean>;
}

interface FailureRecord {
  count: number;
  first: number;
}

/** Entries kept at most; older ones are pruned so a spray of addresses cannot grow memory. */
const MAX_TRACKED = 10_000;

export type Authenticate = (address: string, password: string, client: { readonly remoteAddress: string }) => Promise<Account | undefined>;

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  const delayMs = options.failureDelayMs ?? 500;
  const verify = options.verify ?? verifyPassword;
  const failures = new Map<string, FailureRecord>();

  const prune = (now: number) => {
    for (const [ip, r] of failures) if (now - r.first > windowMs) failures.delete(ip);
    // Still too many: drop the oldest (Map keeps insertion order).
    for (const ip of failures.keys()) {
      if (failures.size <= MAX_TRACKED) break;
      failures.delete(ip);
    }
  };

  return async (address, password, { remoteAddress }) => {
    const now = options.now();
    const record = failures.get(remoteAddress);
    if (record !== undefined && now - record.first > windowMs) failures.delete(remoteAddress);
    else if (record !== undefined && record.count >= options.maxFailures) {
      throw new PochtaError('AUTH_THROTTLED', `${record.count} failed logins from ${remoteAddress}`);
    }
    const account = await options.store.findAccount(normalizeAddress(address));
    const ok = account?.enabled === true && (await verify(password, account.passwordHash));
    if (ok) {
      failures.delete(remoteAddress);
      return account;
    }
    const current = failures.get(remoteAddress) ?? { count: 0, first: now };
    current.count++;
    failures.set(remoteAddress, current);
    if (failures.size > MAX_TRACKED) prune(now);
    await options.sleep(Math.min(delayMs * current.count, 5000));
    return undefined;
  };
}
