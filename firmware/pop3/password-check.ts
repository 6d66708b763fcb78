// The POP3 listener's password check: the shared throttle in firmware/net with
// a delay that doubles per failure (capped).

import { createPasswordThrottle } from '../net/password-check.ts';
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

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const { firstDelayMs = 500, maxDelayMs = 8000, ...rest } = options;
  return createPasswordThrottle({ ...rest, delayMs: (failures) => Math.min(firstDelayMs * 2 ** (failures - 1), maxDelayMs) });
}
