// The IMAP listener's authenticate(): the shared throttle in firmware/net with
// a delay that grows by a step per failure (capped at 5 s), in the call shape
// the IMAP commands use.

import { createPasswordThrottle } from '../net/password-check.ts';
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

/** Resolves the account, or undefined for a wrong pair; throws AUTH_THROTTLED when the client's address is refused. */
export type Authenticate = (address: string, password: string, client: { readonly remoteAddress: string }) => Promise<Account | undefined>;

export function createPasswordCheck(options: PasswordCheckOptions): Authenticate {
  const { failureDelayMs = 500, ...rest } = options;
  const check = createPasswordThrottle({ ...rest, delayMs: (failures) => Math.min(failureDelayMs * failures, 5000) });
  return (address, password, client) => check(address, password, client.remoteAddress);
}
