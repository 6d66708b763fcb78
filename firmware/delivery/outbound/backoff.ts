// The retry schedule of the outbound queue, as pure functions of the clock so
// that tests drive it with fake time. Temporary failures wait 5 minutes, then
// double up to a ceiling of 4 hours, for a lifetime (default 5 days); the last
// attempt is pulled forward to the moment of expiry so that a message never
// outlives its lifetime by a whole backoff step.

export interface RetryPolicy {
  /** Wait after the first failed attempt. */
  readonly firstDelayMs: number;
  /** Ceiling of the doubling. */
  readonly maxDelayMs: number;
  /** How long after arrival a message is given up (then bounced). */
  readonly lifetimeMs: number;
  /** How long after arrival the sender hears that the message is delayed (once). */
  readonly delayNoticeMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  firstDelayMs: 5 * MINUTE,
  maxDelayMs: 4 * HOUR,
  lifetimeMs: 5 * 24 * HOUR,
  delayNoticeMs: 4 * HOUR,
});

/** The wait after `failedAttempts` failed attempts (1 → first delay, doubling, capped). */
export function retryDelay(failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  // 2^(n-1) overflows to Infinity long before it matters; Math.min keeps the cap.
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (n - 1));
}

/** When a message is given up: arrival plus lifetime. */
export function expiresAt(createdAt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  return createdAt + policy.lifetimeMs;
}

/** Whether the message's lifetime is over at `now`. */
export function isExpired(createdAt: number, now: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): boolean {
  return now >= expiresAt(createdAt, policy);
}

/** The next attempt after a failed one, never later than the expiry (one last try then). */
export function nextAttemptAt(createdAt: number, now: number, failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  return Math.min(now + retryDelay(failedAttempts, policy), Math.max(now, expiresAt(createdAt, policy)));
}

/** Whether a delay notice is due now: old enough, not sent yet, and not to the null sender. */
export function delayNoticeDue(
  item: { readonly from: string; readonly createdAt: number; readonly delayNotified?: boolean },
  now: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): boolean {
  return item.from !== '' && item.delayNotified !== true && now - item.createdAt >= policy.delayNoticeMs;
}
