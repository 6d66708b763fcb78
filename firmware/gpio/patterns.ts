// The one table of what the LEDs say. hardware/README.md documents these
// rows; led-state.ts picks a row, the board drivers render the pattern.

export const LED_PATTERNS = ['off', 'on', 'blink-slow', 'blink-fast', 'blink-rapid', 'heartbeat'] as const;
export type LedPattern = (typeof LED_PATTERNS)[number];

/**
 * Alternating lit/dark durations in ms, starting lit, repeated; [] is steady.
 * Blinks are symmetric so the kernel's `timer` trigger (delay_on/delay_off)
 * can run them by itself; heartbeat maps to the kernel's `heartbeat` trigger.
 */
export const PATTERN_TIMING: Readonly<Record<LedPattern, readonly number[]>> = {
  off: [],
  on: [],
  'blink-slow': [500, 500],
  'blink-fast': [150, 150],
  'blink-rapid': [50, 50],
  heartbeat: [100, 150, 100, 650],
};

export const LED_STATE_NAMES = [
  'stopped',
  'booting',
  'setup',
  'all-up',
  'restarting',
  'failed',
  'all-failed',
  'presence',
  'reset-hold-1',
  'reset-hold-2',
  'reset-hold-3',
  'reset-done',
] as const;
export type LedStateName = (typeof LED_STATE_NAMES)[number];

export interface LedStateRow {
  readonly green: LedPattern;
  readonly red: LedPattern;
  /** When the box is in this state, in the words hardware/README.md uses. */
  readonly when: string;
}

/** Highest priority first: the first row whose condition holds wins (see led-state.ts). */
export const LED_STATES: Readonly<Record<LedStateName, LedStateRow>> = {
  'reset-hold-1': { green: 'off', red: 'blink-slow', when: 'button held past 2 s: factory reset counting down (first 30%)' },
  'reset-hold-2': { green: 'off', red: 'blink-fast', when: 'button still held: reset counting down (middle)' },
  'reset-hold-3': { green: 'off', red: 'blink-rapid', when: 'button still held: reset about to happen (last 20%)' },
  'reset-done': { green: 'blink-rapid', red: 'off', when: 'factory reset done (3 s), then setup' },
  presence: { green: 'blink-fast', red: 'blink-fast', when: 'the web UI waits for a short press (claiming, password recovery)' },
  stopped: { green: 'off', red: 'off', when: 'daemon stopped (or not yet started)' },
  'all-failed': { green: 'off', red: 'on', when: 'every listener failed' },
  failed: { green: 'on', red: 'on', when: 'a listener failed (gave up restarting); the others serve' },
  restarting: { green: 'on', red: 'blink-fast', when: 'a listener is being restarted' },
  booting: { green: 'blink-slow', red: 'off', when: 'listeners starting' },
  setup: { green: 'heartbeat', red: 'off', when: 'all listeners up, first-boot setup not done yet' },
  'all-up': { green: 'on', red: 'off', when: 'all listeners up' },
};

/**
 * Reset countdown: while the button is held, the state moves through these
 * rows at these fractions of the long-press time (2 s, 5 s, 8 s of 10 s).
 */
export const RESET_COUNTDOWN: readonly { readonly fromFraction: number; readonly state: LedStateName }[] = [
  { fromFraction: 0.2, state: 'reset-hold-1' },
  { fromFraction: 0.5, state: 'reset-hold-2' },
  { fromFraction: 0.8, state: 'reset-hold-3' },
];

/** How long 'reset-done' shows after a long press. */
export const RESET_DONE_MS = 3000;

/**
 * Mail traffic: the green LED, when steady, is inverted for FLICKER_MS, at
 * most once per FLICKER_GAP_MS however busy the box is.
 */
export const FLICKER_MS = 80;
export const FLICKER_GAP_MS = 1000;

/** Whether a pattern is lit `elapsedMs` after it was set. */
export function litAt(pattern: LedPattern, elapsedMs: number): boolean {
  if (pattern === 'on') return true;
  const timing = PATTERN_TIMING[pattern];
  if (timing.length === 0) return false;
  const period = timing.reduce((a, b) => a + b, 0);
  let t = ((elapsedMs % period) + period) % period;
  for (let i = 0; i < timing.length; i++) {
    const d = timing[i] as number;
    if (t < d) return i % 2 === 0;
    t -= d;
  }
  return false;
}
