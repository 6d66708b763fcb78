// Bookkeeping every driver shares: the pattern each LED shows since when, and
// the list of button subscribers. Drivers add only the hardware part.

import type { ButtonEdge, LedView } from './board.ts';
import { type LedPattern, litAt } from './patterns.ts';
import { LED_NAMES, type LedName } from './pinmap.ts';

export interface LedBook {
  /** Record a pattern; false when the LED already shows it (nothing to do). */
  set(name: LedName, pattern: LedPattern): boolean;
  pattern(name: LedName): LedPattern;
  views(): Readonly<Record<LedName, LedView>>;
}

export function createLedBook(now: () => number): LedBook {
  const shown = new Map<LedName, { pattern: LedPattern; since: number }>(LED_NAMES.map((n) => [n, { pattern: 'off', since: now() }]));
  return {
    set(name, pattern) {
      if (shown.get(name)?.pattern === pattern) return false;
      shown.set(name, { pattern, since: now() });
      return true;
    },
    pattern: (name) => shown.get(name)?.pattern ?? 'off',
    views() {
      const t = now();
      const view = (name: LedName): LedView => {
        const s = shown.get(name) ?? { pattern: 'off' as const, since: t };
        return { pattern: s.pattern, lit: litAt(s.pattern, t - s.since) };
      };
      return { 'led.green': view('led.green'), 'led.red': view('led.red') };
    },
  };
}

export interface EdgeHub {
  add(cb: (edge: ButtonEdge, at: number) => void): () => void;
  emit(edge: ButtonEdge, at: number): void;
  clear(): void;
}

export function createEdgeHub(onError: (err: unknown) => void): EdgeHub {
  const subscribers = new Set<(edge: ButtonEdge, at: number) => void>();
  return {
    add(cb) {
      subscribers.add(cb);
      return () => {
        subscribers.delete(cb);
      };
    },
    emit(edge, at) {
      for (const cb of [...subscribers]) {
        try {
          cb(edge, at);
        } catch (err) {
          onError(err);
        }
      }
    },
    clear: () => subscribers.clear(),
  };
}
