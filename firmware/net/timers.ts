// Time seams of the socket listeners (IMAP, POP3, the shared TCP listener),
// injected so tests fake time.

/** Starts a timer and returns its cancel function. */
export type SetTimer = (ms: number, fn: () => void) => () => void;

/** Real timers that never keep the thread alive by themselves. */
export const realTimer: SetTimer = (ms, fn) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
