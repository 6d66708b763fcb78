// The IMAP listener's authenticate(): the shared throttle in firmware/net with
// a delay that grows by a step per failure (capped at 5 s), in the call shape
// the IMAP commands use.

import { createPasswordThrottle, type PasswordThrottleOptions } from '../net/password-check.ts';
import type { Account } from '../store/types.ts';

/** The shared throttle's options, with IMAP's delay curve in place of `delayMs`. */
export interface PasswordCheckOptions extends Omit<PasswordThrottleOptions, 'delayMs'> {
  /** Delay before answering a failure, per failure so far (capped at 5 s). */
  readonly failureDelayMs?: number;
}

/** Resolves the account, or undefined for a wrong pair; throws AUTH_THROTTLED when the client's address is refused. */
export type Authenticate = (address: string, password: string, client: { readonly remoteAddress: string }) => Promise<Account | undefined>;

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const { failureDelayMs = 500, ...rest } = options;
  const check = createPasswordThrottle({ ...rest, delayMs: (failures) => Math.min(failureDelayMs * failures, 5000) });
  return (address, password, client) => check(address, password, client.remoteAddress);
}
