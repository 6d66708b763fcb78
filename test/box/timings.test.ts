// POCHTA_TIMINGS: parsed into the supervisor's and the panel's options; a bad
// pair stops `pochta serve` with exit 78 naming it.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseTimings } from '../../firmware/cli/timings.ts';
import { runPochta } from '../support/daemon.ts';

describe('POCHTA_TIMINGS', () => {
  it('maps each name onto the option it shortens, and leaves the rest at their defaults', () => {
    assert.deepEqual(parseTimings(undefined), {});
    assert.deepEqual(parseTimings(''), {});
    assert.deepEqual(
      parseTimings(
        'heartbeat=50, hang=400,backoff=100,backoff-max=100,healthy-after=1000,restarts=3,window=120000,probe=1000,long-press=600',
      ),
      {
        heartbeat: { intervalMs: 50, timeoutMs: 400 },
        probe: { intervalMs: 1000 },
        backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 1000 },
        failure: { maxRestarts: 3, windowMs: 120_000 },
        longPressMs: 600,
      },
    );
    assert.deepEqual(parseTimings('health=250,start-timeout=5000,probe-timeout=300,probe-failures=2'), {
      probe: { timeoutMs: 300, failures: 2 },
      startTimeoutMs: 5000,
      healthMs: 250,
    });
  });

  it('refuses unknown names, missing values and values out of range, naming them', () => {
    assert.throws(() => parseTimings('heartbeats=50'), /POCHTA_TIMINGS: unknown timing "heartbeats"/);
    assert.throws(() => parseTimings('hang'), /hang: expected a whole number from 50 to 600000/);
    assert.throws(() => parseTimings('hang=10'), /hang: expected a whole number/);
    assert.throws(() => parseTimings('backoff=1.5'), /backoff: expected a whole number/);
  });

  it('a bad value stops pochta serve with exit 78 and one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-timings-'));
    try {
      const result = await runPochta(['serve', '--data', dir, '--listen', 'smtp=off'], { env: { POCHTA_TIMINGS: 'hang=abc' } });
      assert.equal(result.code, 78);
      assert.match(result.stderr, /^pochta: bad config: POCHTA_TIMINGS: hang: expected a whole number/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
