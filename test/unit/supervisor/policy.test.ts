import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createSupervisor, type RestartEvent, type Supervisor } from '../../../firmware/supervisor/index.ts';
import { addressOf, spec, statusOf, testOptions, waitForStatus } from './harness.ts';
import { connectLines } from './line-client.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

describe('restart policy', () => {
  let fixture: TestStore;
  let supervisor: Supervisor | undefined;

  beforeEach(async () => {
    fixture = await openTestStore();
  });
  afterEach(async () => {
    await supervisor?.stop(Date.now() + 2000);
    supervisor = undefined;
    await fixture.cleanup();
  });

  it('doubles the backoff up to its ceiling, then marks a listener failed while another keeps serving', async () => {
    supervisor = createSupervisor(
      testOptions(fixture, [spec('imap', 'echo'), spec('smtp', 'throwing', { options: { failStart: true } })], {
        backoff: { initialMs: 20, maxMs: 80, resetAfterMs: 60_000 },
        failure: { maxRestarts: 4, windowMs: 60_000 },
      }),
    );
    const events: RestartEvent[] = [];
    supervisor.on('restart', (event) => events.push(event));
    await supervisor.start();
    const bystander = await connectLines(addressOf(supervisor, 'imap'));
    assert.match(await bystander.readLine(), /^220 /);

    const failed = await waitForStatus(supervisor, 'smtp', (s) => s.state === 'failed');
    assert.deepEqual(
      events.map((e) => e.delayMs),
      [20, 40, 80, 80],
    );
    assert.deepEqual(
      events.map((e) => e.attempt),
      [0, 1, 2, 3],
    );
    assert.equal(failed.restarts, 4);
    assert.match(failed.lastError ?? '', /start failed: cannot start on purpose/);

    // No further attempt is scheduled once failed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(events.length, 4);
    assert.equal(statusOf(supervisor, 'smtp').state, 'failed');

    assert.equal(await bystander.command('PING'), 'PONG');
    assert.equal(statusOf(supervisor, 'imap').state, 'running');
    bystander.close();
  });

  it('starts the backoff over after a healthy period (injected clock)', async () => {
    let clock = 1_000_000; // fake: only the test moves it, so real slowness never ages a failure
    supervisor = createSupervisor(
      testOptions(fixture, [spec('smtp', 'throwing')], {
        now: () => clock,
        backoff: { initialMs: 20, maxMs: 1000, resetAfterMs: 60_000 },
        failure: { maxRestarts: 10, windowMs: 10 * 60_000 },
      }),
    );
    const delays: number[] = [];
    supervisor.on('restart', (event) => delays.push(event.delayMs));
    await supervisor.start();

    const crash = async (): Promise<void> => {
      const before = statusOf(supervisor!, 'smtp').restarts;
      const client = await connectLines(addressOf(supervisor!, 'smtp'));
      await client.readLine();
      client.command('CRASH').catch(() => {});
      await waitForStatus(supervisor!, 'smtp', (s) => s.state === 'running' && s.restarts === before + 1);
      client.close();
    };
    await crash();
    await crash();
    await crash();
    assert.deepEqual(delays, [20, 40, 80]);
    clock += 60_000; // the listener has now been up for a minute
    await crash();
    await crash();
    assert.deepEqual(delays, [20, 40, 80, 20, 40]);
  });

  it('forgets failures older than the window (injected clock)', async () => {
    let clock = 1_000_000; // fake: only the test moves it, so real slowness never ages a failure
    supervisor = createSupervisor(
      testOptions(fixture, [spec('pop3', 'exiting')], {
        now: () => clock,
        backoff: { initialMs: 10, maxMs: 10, resetAfterMs: 10 * 60_000 },
        failure: { maxRestarts: 2, windowMs: 1000 },
      }),
    );
    await supervisor.start();
    const exitOnce = async (): Promise<void> => {
      const client = await connectLines(addressOf(supervisor!, 'pop3'));
      await client.readLine();
      client.command('EXIT').catch(() => {});
      await waitForStatus(supervisor!, 'pop3', (s) => s.state !== 'running');
      client.close();
    };
    await exitOnce();
    await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    await exitOnce();
    await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    clock += 1000; // both failures leave the window
    await exitOnce();
    const status = await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    assert.equal(status.restarts, 3);
    await exitOnce();
    await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    await exitOnce(); // third failure inside the window
    assert.equal((await waitForStatus(supervisor, 'pop3', (s) => s.state === 'failed')).restarts, 4);
  });
});
