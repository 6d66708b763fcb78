// A fake clock and Timers for the gpio tests: time moves only when advance() is called.

import type { Timers } from '../../../firmware/supervisor/index.ts';

export interface FakeClock {
  readonly now: () => number;
  readonly timers: Timers;
  /** Move time forward, firing due timers in order (each at its own due time). */
  advance(ms: number): void;
  /** Timers still waiting. */
  pending(): number;
}

export function fakeClock(start = 1_000_000): FakeClock {
  let t = start;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void; every?: number }>();
  const add = (fn: () => void, ms: number, every?: number): number => {
    const id = ++seq;
    queue.set(id, { at: t + Math.max(0, ms), fn, ...(every !== undefined ? { every } : {}) });
    return id;
  };
  const clear = (handle: unknown): void => {
    queue.delete(handle as number);
  };
  return {
    now: () => t,
    timers: { setTimeout: (fn, ms) => add(fn, ms), clearTimeout: clear, setInterval: (fn, ms) => add(fn, ms, ms), clearInterval: clear },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
        for (const entry of queue) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        const [id, timer] = next;
        t = timer.at;
        if (timer.every !== undefined) timer.at += Math.max(1, timer.every);
        else queue.delete(id);
        timer.fn();
      }
      t = end;
    },
    pending: () => queue.size,
  };
}
