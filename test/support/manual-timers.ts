// Timers that only fire when the test says so, for the listeners' SetTimer seam.

import type { SetTimer } from '../../firmware/net/timers.ts';

export interface ManualTimers {
  readonly setTimer: SetTimer;
  /** Fire every pending timer (or only those started with `ms`). */
  fire(ms?: number): void;
  /** How many timers are pending (or started with `ms`). */
  pending(ms?: number): number;
}

export function manualTimers(): ManualTimers {
  const timers = new Set<{ ms: number; fn: () => void }>();
  return {
    setTimer(ms, fn) {
      const t = { ms, fn };
      timers.add(t);
      return () => timers.delete(t);
    },
    fire(ms) {
      for (const t of [...timers]) {
        if (ms !== undefined && t.ms !== ms) continue;
        timers.delete(t);
        t.fn();
      }
    },
    pending: (ms) => [...timers].filter((t) => ms === undefined || t.ms === ms).length,
  };
}
