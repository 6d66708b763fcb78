// Failed sign-ins per client address in a sliding window: enough to stop
// password guessing from the LAN without locking out an office that mistypes.

export interface FailureLimiter {
  /** ms to wait before another attempt is allowed; 0 when allowed now. */
  retryAfter(key: string): number;
  fail(key: string): void;
  /** A success clears the key's failures. */
  clear(key: string): void;
}

export function createFailureLimiter(options: { now: () => number; max: number; windowMs: number; maxKeys?: number }): FailureLimiter {
  const failures = new Map<string, number[]>();
  const maxKeys = options.maxKeys ?? 10_000;
  const recent = (key: string): number[] => {
    const t = options.now();
    const list = (failures.get(key) ?? []).filter((at) => t - at < options.windowMs);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  return {
    retryAfter(key) {
      const list = recent(key);
      if (list.length < options.max) return 0;
      return Math.max(1, list[0]! + options.windowMs - options.now());
    },
    fail(key) {
      if (failures.size >= maxKeys && !failures.has(key)) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      failures.set(key, [...recent(key), options.now()]);
    },
    clear(key) {
      failures.delete(key);
    },
  };
}
