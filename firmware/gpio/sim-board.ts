// The simulated board: LEDs are state only, the button is pressed by calls.
// Used off the Pi (dev mode, tests, CI) and shown by the CLI and the web UI.

import { realTimers, type Timers } from '../supervisor/index.ts';
import type { SimBoard } from './board.ts';
import { createEdgeHub, createLedBook } from './board-core.ts';

export interface SimBoardOptions {
  readonly now?: () => number;
  readonly timers?: Timers;
  /** The long-press time press('long') must exceed; default 10 s. */
  readonly longPressMs?: number;
  /** Why the sim was chosen, shown in state(). */
  readonly reason?: string;
  readonly onError?: (err: unknown) => void;
}

const SHORT_HOLD_MS = 100;

export function createSimBoard(options: SimBoardOptions = {}): SimBoard {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const longPressMs = options.longPressMs ?? 10_000;
  const leds = createLedBook(now);
  const hub = createEdgeHub(options.onError ?? (() => {}));
  let pressed = false;
  let closed = false;
  const pending = new Set<{ handle: unknown; resolve: () => void }>();

  const setButton = (down: boolean): void => {
    if (closed || down === pressed) return;
    pressed = down;
    hub.emit(down ? 'down' : 'up', now());
  };

  return {
    driver: 'sim',
    setLed(name, pattern) {
      if (!closed) leds.set(name, pattern);
    },
    ledState: () => leds.views(),
    state: () => ({ driver: 'sim', leds: leds.views(), button: { pressed }, ...(options.reason ? { reason: options.reason } : {}) }),
    onButton: (cb) => hub.add(cb),
    setButton,
    press(kind) {
      const holdMs = kind === 'short' ? SHORT_HOLD_MS : longPressMs + SHORT_HOLD_MS;
      setButton(true);
      return new Promise<void>((resolve) => {
        const entry = {
          resolve,
          handle: timers.setTimeout(() => {
            pending.delete(entry);
            setButton(false);
            resolve();
          }, holdMs),
        };
        pending.add(entry);
      });
    },
    async close() {
      if (closed) return;
      for (const entry of pending) {
        timers.clearTimeout(entry.handle);
        entry.resolve();
      }
      pending.clear();
      pressed = false;
      leds.set('led.green', 'off');
      leds.set('led.red', 'off');
      closed = true;
      hub.clear();
    },
  };
}
