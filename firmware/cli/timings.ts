// POCHTA_TIMINGS: the supervisor's and the front panel's timings, shortened
// for tests and demos (a hang found in 0.5 s instead of 5 s, a 1 s long press).
// Format: comma-separated NAME=MS pairs, e.g.
//   POCHTA_TIMINGS=heartbeat=100,hang=600,backoff=300,long-press=800
// Unknown names and values out of range stop start-up (exit 78) naming them.
// Unset, every timing keeps its default (supervisor/README.md, gpio/README.md).

import { configError } from '../config/bootstrap.ts';
import type { SupervisorOptions } from '../supervisor/index.ts';

export interface Timings {
  readonly heartbeat?: SupervisorOptions['heartbeat'];
  readonly probe?: SupervisorOptions['probe'];
  readonly backoff?: SupervisorOptions['backoff'];
  readonly failure?: SupervisorOptions['failure'];
  readonly startTimeoutMs?: number;
  /** Health (watchdog) tick period. */
  readonly healthMs?: number;
  /** Front panel: how long the button must be held for the reset. */
  readonly longPressMs?: number;
}

/** name -> [min, max] (ms, or a count for the two counts). */
const NAMES = {
  heartbeat: [10, 60_000], // worker beat period
  hang: [50, 600_000], // no beat for this long = hung
  probe: [50, 3_600_000], // probe period
  'probe-timeout': [50, 60_000],
  'probe-failures': [1, 100], // consecutive failed probes before a restart
  backoff: [0, 600_000], // first restart delay
  'backoff-max': [0, 3_600_000],
  'healthy-after': [100, 86_400_000], // a listener up this long starts the backoff over
  restarts: [0, 1000], // restarts within the window before 'failed'
  window: [1000, 86_400_000],
  'start-timeout': [100, 600_000],
  health: [50, 600_000],
  'long-press': [200, 60_000],
} as const satisfies Record<string, readonly [number, number]>;
type Name = keyof typeof NAMES;

/** Parse POCHTA_TIMINGS; undefined or '' gives {}. Throws BAD_CONFIG naming the pair. */
export function parseTimings(text: string | undefined): Timings {
  const v: Partial<Record<Name, number>> = {};
  for (const pair of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!Object.hasOwn(NAMES, name)) {
      throw configError('POCHTA_TIMINGS', `unknown timing ${JSON.stringify(name)} (known: ${Object.keys(NAMES).join(', ')})`);
    }
    const [min, max] = NAMES[name as Name];
    const value = Number(pair.slice(eq + 1));
    if (eq < 0 || !Number.isInteger(value) || value < min || value > max) {
      throw configError(
        'POCHTA_TIMINGS',
        `${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(pair.slice(eq + 1))}`,
      );
    }
    v[name as Name] = value;
  }
  const pick = <K extends string>(entries: Record<K, number | undefined>): Partial<Record<K, number>> | undefined => {
    const out: Partial<Record<K, number>> = {};
    for (const [key, value] of Object.entries(entries) as [K, number | undefined][]) if (value !== undefined) out[key] = value;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const heartbeat = pick({ intervalMs: v.heartbeat, timeoutMs: v.hang });
  const probe = pick({ intervalMs: v.probe, timeoutMs: v['probe-timeout'], failures: v['probe-failures'] });
  const backoff = pick({ initialMs: v.backoff, maxMs: v['backoff-max'], resetAfterMs: v['healthy-after'] });
  const failure = pick({ maxRestarts: v.restarts, windowMs: v.window });
  return {
    ...(heartbeat ? { heartbeat } : {}),
    ...(probe ? { probe } : {}),
    ...(backoff ? { backoff } : {}),
    ...(failure ? { failure } : {}),
    ...(v['start-timeout'] !== undefined ? { startTimeoutMs: v['start-timeout'] } : {}),
    ...(v.health !== undefined ? { healthMs: v.health } : {}),
    ...(v['long-press'] !== undefined ? { longPressMs: v['long-press'] } : {}),
  };
}
