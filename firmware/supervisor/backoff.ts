// Restart policy as pure functions: how long to wait before the next restart,
// and whether a listener has failed too often to try again.

export interface BackoffPolicy {
  /** Delay before the first restart. */
  readonly initialMs: number;
  /** Ceiling of the doubling delay. */
  readonly maxMs: number;
  /** A listener that ran this long counts as healthy: the next failure starts again at initialMs. */
  readonly resetAfterMs: number;
}

export interface FailurePolicy {
  /** Restarts allowed within windowMs; one failure more marks the listener failed. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };
export const DEFAULT_FAILURE: FailurePolicy = { maxRestarts: 5, windowMs: 10 * 60_000 };

/** Delay before restart number `attempt` (0-based) since the last healthy period. */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt));
}

/**
 * Record a failure at `now` into `history` (failure times, oldest first) and
 * return the history that still falls inside the window plus whether the
 * listener must now be given up on.
 */
export function recordFailure(
  policy: FailurePolicy,
  history: readonly number[],
  now: number,
): { readonly history: number[]; readonly giveUp: boolean } {
  const recent = history.filter((t) => now - t < policy.windowMs);
  recent.push(now);
  return { history: recent, giveUp: recent.length > policy.maxRestarts };
}
