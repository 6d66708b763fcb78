// Drives the board's LEDs from the state machine: re-evaluates on every
// supervisor change, button change, setup change and traffic event, and sets
// a single timer for the next change the machine announces (countdown step,
// flicker end). The machine itself (led-state.ts) stays pure.

import { type ListenerStatus, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board } from './board.ts';
import type { Button } from './button.ts';
import { acceptFlicker, type LedOutputs, ledOutputs } from './led-state.ts';
import { LED_NAMES } from './pinmap.ts';

/** The part of the Supervisor the LEDs follow (a Supervisor fits as it is). */
export interface ListenerView {
  status(): readonly ListenerStatus[];
  on(event: 'change', fn: (status: ListenerStatus) => void): () => void;
}

export interface LedControllerOptions {
  readonly now?: () => number;
  readonly timers?: Timers;
  /** The button, for the reset countdown and presence requests; without it those states never show. */
  readonly button?: Button;
  /** Whether first-boot setup is done at start; change it later with setSetupDone. Default true. */
  readonly setupDone?: boolean;
}

export interface LedController {
  /** Mail went through (a message received or delivered): a brief, rate-limited flicker of the green LED. */
  traffic(): void;
  setSetupDone(done: boolean): void;
  /** Re-evaluate now; the button's onChange should call this. */
  refresh(): void;
  /** What the machine decided last (state name and per-LED pattern). */
  outputs(): LedOutputs;
  /** Stop following; LEDs are left as they are (the board's close turns them off). */
  close(): void;
}

export function createLedController(board: Board, listeners: ListenerView, options: LedControllerOptions = {}): LedController {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const button = options.button;
  let setupDone = options.setupDone ?? true;
  let flickerAt: number | undefined;
  let timer: unknown;
  let closed = false;
  let last: LedOutputs;

  const evaluate = (): LedOutputs => {
    const heldSince = button?.heldSince();
    const resetAt = button?.resetAt();
    return ledOutputs(
      {
        listeners: listeners.status(),
        setupDone,
        presencePending: button?.presencePending() ?? false,
        longPressMs: button?.longPressMs ?? 10_000,
        ...(heldSince !== undefined ? { heldSince } : {}),
        ...(resetAt !== undefined ? { resetAt } : {}),
        ...(flickerAt !== undefined ? { flickerAt } : {}),
      },
      now(),
    );
  };

  const refresh = (): void => {
    if (closed) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    last = evaluate();
    for (const name of LED_NAMES) board.setLed(name, last.leds[name]);
    if (last.nextChangeAt !== undefined) timer = timers.setTimeout(refresh, Math.max(0, last.nextChangeAt - now()));
  };

  const unsubscribe = listeners.on('change', refresh);
  refresh();

  return {
    traffic() {
      const t = now();
      if (!acceptFlicker(flickerAt, t)) return;
      flickerAt = t;
      refresh();
    },
    setSetupDone(done) {
      setupDone = done;
      refresh();
    },
    refresh,
    outputs: () => last,
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      if (timer !== undefined) timers.clearTimeout(timer);
    },
  };
}
