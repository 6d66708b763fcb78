import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF, DEFAULT_FAILURE, recordFailure } from '../../../firmware/supervisor/backoff.ts';

describe('backoff policy', () => {
  it('doubles from 0.5 s to a 30 s ceiling by default', () => {
    const delays = Array.from({ length: 9 }, (_, attempt) => backoffDelay(DEFAULT_BACKOFF, attempt));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    assert.equal(DEFAULT_BACKOFF.resetAfterMs, 60_000);
  });

  it('gives up after more than maxRestarts failures inside the window', () => {
    let history: number[] = [];
    const verdicts: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const result = recordFailure(DEFAULT_FAILURE, history, i * 1000);
      history = result.history;
      verdicts.push(result.giveUp);
    }
    assert.deepEqual(verdicts, [false, false, false, false, false, true]);
  });

  it('drops failures that left the window', () => {
    const policy = { maxRestarts: 2, windowMs: 1000 };
    const result = recordFailure(policy, [0, 500], 1200);
    assert.deepEqual(result.history, [500, 1200]);
    assert.equal(result.giveUp, false);
    assert.equal(recordFailure(policy, result.history, 1300).giveUp, true);
  });
});
