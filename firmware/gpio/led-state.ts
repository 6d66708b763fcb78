// The LED state machine as pure functions of its inputs and the time: which
// row of LED_STATES applies, what each LED shows (with the traffic flicker),
// and when the answer will next change on its own (so the caller sets one timer).

import type { ListenerState } from '../supervisor/index.ts';
import { FLICKER_GAP_MS, FLICKER_MS, LED_STATES, type LedPattern, type LedStateName, RESET_COUNTDOWN, RESET_DONE_MS } from './patterns.ts';
import type { LedName } from './pinmap.ts';

/** What the state machine looks at; every time is ms on the caller's clock. */
export interface LedInputs {
  /** The supervisor's view: state and restart count per listener. */
  readonly listeners: readonly { readonly state: ListenerState; readonly restarts: number }[];
  readonly setupDone: boolean;
  /** A physical-presence request is waiting for a short press. */
  readonly presencePending: boolean;
  /** The (debounced) button has been down since then; undefined when released. */
  readonly heldSince?: number;
  /** The long press fired then (reset done). */
  readonly resetAt?: number;
  /** The long-press time (default 10 s); the countdown is scaled to it. */
  readonly longPressMs: number;
  /** Mail traffic flicker began then (see acceptFlicker). */
  readonly flickerAt?: number;
}

export interface LedOutputs {
  readonly state: LedStateName;
  readonly leds: Readonly<Record<LedName, LedPattern>>;
  /** When these outputs change without any new input (countdown step, flicker end); undefined if never. */
  readonly nextChangeAt?: number;
}

/** The listener part alone: which of the service rows applies. */
export function serviceState(listeners: LedInputs['listeners'], setupDone: boolean): LedStateName {
  if (listeners.length > 0 && listeners.every((l) => l.state === 'stopped')) return 'stopped';
  if (listeners.length > 0 && listeners.every((l) => l.state === 'failed')) return 'all-failed';
  if (listeners.some((l) => l.state === 'failed')) return 'failed';
  // A listener starting again after a crash is still part of the restart, not a boot.
  if (listeners.some((l) => l.state === 'restarting' || (l.state === 'starting' && l.restarts > 0))) return 'restarting';
  if (listeners.length === 0 || listeners.some((l) => l.state === 'starting')) return 'booting';
  return setupDone ? 'all-up' : 'setup';
}

export function ledOutputs(inputs: LedInputs, now: number): LedOutputs {
  const changes: number[] = [];
  let state: LedStateName | undefined;
  if (inputs.heldSince !== undefined && inputs.resetAt === undefined) {
    const held = now - inputs.heldSince;
    for (const step of RESET_COUNTDOWN) {
      const from = inputs.heldSince + step.fromFraction * inputs.longPressMs;
      if (held >= step.fromFraction * inputs.longPressMs) state = step.state;
      else changes.push(from);
    }
  }
  if (state === undefined && inputs.resetAt !== undefined && now - inputs.resetAt < RESET_DONE_MS) {
    state = 'reset-done';
    changes.push(inputs.resetAt + RESET_DONE_MS);
  }
  if (state === undefined && inputs.presencePending) state = 'presence';
  state ??= serviceState(inputs.listeners, inputs.setupDone);

  const row = LED_STATES[state];
  let green = row.green;
  if (inputs.flickerAt !== undefined && now - inputs.flickerAt < FLICKER_MS && now >= inputs.flickerAt) {
    // Only a steady LED can flicker visibly; on a blinking one it would read as a glitch.
    if (green === 'on') green = 'off';
    else if (green === 'off') green = 'on';
    changes.push(inputs.flickerAt + FLICKER_MS);
  }
  const nextChangeAt = changes.filter((t) => t > now).sort((a, b) => a - b)[0];
  return { state, leds: { 'led.green': green, 'led.red': row.red }, ...(nextChangeAt !== undefined ? { nextChangeAt } : {}) };
}

/** Rate limit for the traffic flicker: a new flicker may start only FLICKER_GAP_MS after the last one. */
export function acceptFlicker(lastFlickerAt: number | undefined, now: number): boolean {
  return lastFlickerAt === undefined || now - lastFlickerAt >= FLICKER_GAP_MS;
}
