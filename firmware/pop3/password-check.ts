// The POP3 listener's password check: the shared throttle in firmware/net with
// a delay that doubles per failure (capped).

import { createPasswordThrottle, type PasswordThrottleOptions } from '../net/password-check.ts';
import type { Account } from '../store/types.ts';

/** The shared throttle's options, with POP3's doubling delay in place of `delayMs`. */
export interface PasswordCheckOptions extends Omit<PasswordThrottleOptions, 'delayMs'> {
  /** Delay after the first failure; doubles per further failure. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** Resolves the account, or undefined for a wrong pair; throws AUTH_THROTTLED when the address is refused. */
export type Authenticate = (address: string, password: string, remoteAddress: string) => Promise<Account | undefined>;

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const { firstDelayMs = 500, maxDelayMs = 8000, ...rest } = options;
  return createPasswordThrottle({ ...rest, delayMs: (failures) => Math.min(firstDelayMs * 2 ** (failures - 1), maxDelayMs) });
}
