// Bound a promise by wall-clock time. Used where a slow answer must not hold a
// session (a DNSBL zone that stops answering is skipped, not waited for).

/** Raised by withTimeout; `code` matches c-ares's so callers treat both the same. */
export class TimeoutError extends Error {
  readonly code = 'ETIMEOUT';
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settle with `promise`, or reject with TimeoutError after `ms`. The underlying
 * work is not cancelled (a DNS query cannot be, singly); its late result is dropped.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  // A late rejection of the abandoned promise must not become an unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
