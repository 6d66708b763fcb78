import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createSupervisor, type Supervisor } from '../../../firmware/supervisor/index.ts';
import { spec, testOptions } from './harness.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(test: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('watchdog tick', () => {
  let fixture: TestStore;
  let supervisor: Supervisor | undefined;
  beforeEach(async () => {
    fixture = await openTestStore();
  });
  afterEach(async () => {
    await supervisor?.stop(Date.now() + 1000);
    await fixture.cleanup();
  });

  it('pets while the store answers and stops once the store is closed', async () => {
    let pets = 0;
    supervisor = createSupervisor(
      testOptions(fixture, [spec('imap', 'echo')], { onHealthy: () => pets++, health: { intervalMs: 20, timeoutMs: 200 } }),
    );
    await supervisor.start();
    await until(() => pets >= 3);
    await fixture.store.close();
    await sleep(60); // a check already under way may still finish
    const frozen = pets;
    await sleep(200);
    assert.equal(pets, frozen, 'no pet after the store closed');
  });

  it('does not pet while the store hangs, and stops with the supervisor', async () => {
    let pets = 0;
    let answer = true;
    supervisor = createSupervisor(
      testOptions(fixture, [], {
        onHealthy: () => pets++,
        health: {
          intervalMs: 20,
          timeoutMs: 50,
          // Stands in for a store whose LevelDB never answers; the real store is checked above.
          check: () => (answer ? fixture.store.stats() : new Promise(() => {})),
        },
      }),
    );
    await supervisor.start();
    await until(() => pets >= 2);
    answer = false;
    await sleep(40);
    const hung = pets;
    await sleep(200);
    assert.equal(pets, hung, 'no pet while the check hangs');
    answer = true;
    await until(() => pets > hung);
    await supervisor.stop(Date.now() + 1000);
    supervisor = undefined;
    const stopped = pets;
    await sleep(100);
    assert.equal(pets, stopped, 'no pet after stop');
  });
});
