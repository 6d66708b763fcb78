import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PochtaError } from '../../../firmware/errors.ts';
import { createSupervisor, type Supervisor } from '../../../firmware/supervisor/index.ts';
import { addressOf, spec, statusOf, testOptions, waitForStatus } from './harness.ts';
import { connectLines } from './line-client.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

describe('listener lifecycle', () => {
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

  it('restarts a listener whose start never finishes', async () => {
    supervisor = createSupervisor(
      testOptions(fixture, [spec('submission', 'hanging', { options: { hangOnStart: true } })], {
        startTimeoutMs: 300,
        failure: { maxRestarts: 1, windowMs: 60_000 },
      }),
    );
    await supervisor.start();
    const status = await waitForStatus(supervisor, 'submission', (s) => s.state === 'failed');
    assert.match(status.lastError ?? '', /did not start within 300 ms/);
    assert.equal(status.restarts, 1);
  });

  it('revives a failed listener on restart(), with a fresh backoff', async () => {
    supervisor = createSupervisor(testOptions(fixture, [spec('pop3', 'exiting')], { failure: { maxRestarts: 0, windowMs: 60_000 } }));
    await supervisor.start();
    const client = await connectLines(addressOf(supervisor, 'pop3'));
    await client.readLine();
    client.command('EXIT').catch(() => {});
    await waitForStatus(supervisor, 'pop3', (s) => s.state === 'failed');
    client.close();

    await supervisor.restart('pop3');
    await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    const again = await connectLines(addressOf(supervisor, 'pop3'));
    assert.match(await again.readLine(), /^220 pop3 ready/);
    again.close();

    // A graceful restart of a running listener is not a failure; calls that overlap share one restart.
    const starts: string[] = [];
    supervisor.on('change', (s) => s.state === 'starting' && starts.push(s.name));
    await Promise.all([supervisor.restart('pop3'), supervisor.restart('pop3')]);
    const status = await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running');
    assert.equal(status.restarts, 0);
    assert.deepEqual(starts, ['pop3']);
    await assert.rejects(supervisor.restart('imap'), (err: unknown) => err instanceof PochtaError && err.code === 'NOT_FOUND');
  });

  it('gives up on a listener whose module cannot be loaded', async () => {
    supervisor = createSupervisor(
      testOptions(fixture, [spec('imap', 'echo', { module: '/nonexistent/listener.ts' })], {
        failure: { maxRestarts: 1, windowMs: 60_000 },
      }),
    );
    await supervisor.start();
    const status = await waitForStatus(supervisor, 'imap', (s) => s.state === 'failed');
    assert.match(status.lastError ?? '', /start failed: Cannot find module/);
  });

  it('injects faults only when allowed', async () => {
    supervisor = createSupervisor(testOptions(fixture, [spec('imap', 'echo')], { dev: false }));
    await supervisor.start();
    assert.throws(
      () => supervisor!.fault('imap', 'exit'),
      (err: unknown) => err instanceof PochtaError && err.code === 'FORBIDDEN',
    );
    await supervisor.stop(Date.now() + 1000);

    supervisor = createSupervisor(testOptions(fixture, [spec('imap', 'echo')]));
    await supervisor.start();
    for (const [kind, error] of [
      ['throw', /uncaught: injected fault/],
      ['exit', /exited with code 70/],
      ['hang', /no heartbeat/],
    ] as const) {
      const before = statusOf(supervisor, 'imap').restarts;
      supervisor.fault('imap', kind);
      const status = await waitForStatus(supervisor, 'imap', (s) => s.state === 'running' && s.restarts === before + 1);
      assert.match(status.lastError ?? '', error);
    }
  });

  it('restarts a listener that runs out of its heap limit, without hurting the main thread', async () => {
    supervisor = createSupervisor(
      testOptions(fixture, [spec('smtp', 'throwing', { resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } })], {
        heartbeat: { intervalMs: 50, timeoutMs: 10_000 }, // let the heap limit, not the blocked loop, end it
      }),
    );
    await supervisor.start();
    const client = await connectLines(addressOf(supervisor, 'smtp'));
    await client.readLine();
    client.command('HOG').catch(() => {});
    const status = await waitForStatus(supervisor, 'smtp', (s) => s.state === 'running' && s.restarts === 1, 10_000);
    assert.match(status.lastError ?? '', /memory/i, JSON.stringify(status));
    client.close();
    assert.equal(await fixture.store.getSetting('nothing'), undefined);
  });

  it('stops every listener by the deadline and reports them stopped', async () => {
    supervisor = createSupervisor(testOptions(fixture, [spec('imap', 'echo'), spec('submission', 'hanging')]));
    await supervisor.start();
    const client = await connectLines(addressOf(supervisor, 'imap'));
    await client.readLine();
    // A hung listener cannot stop itself; the deadline terminates it.
    const hung = await connectLines(addressOf(supervisor, 'submission'));
    await hung.readLine();
    await hung.command('HANG');
    const started = Date.now();
    await supervisor.stop(Date.now() + 300);
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(
      supervisor.status().map((s) => s.state),
      ['stopped', 'stopped'],
    );
    assert.equal(await client.readLine(), '421 shutting down');
    client.close();
    hung.close();
    supervisor = undefined;
  });
});
