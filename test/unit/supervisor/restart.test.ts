import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSupervisor, greetingProbe, type RestartEvent, type Supervisor } from '../../../firmware/supervisor/index.ts';
import { addressOf, spec, statusOf, testOptions, waitForStatus } from './harness.ts';
import { connectLines, type LineClient } from './line-client.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

const smtpGreeting = greetingProbe(/^220 /);

describe('supervisor restarts a broken listener while the others keep serving', () => {
  let fixture: TestStore;
  let supervisor: Supervisor;
  let bystander: LineClient;
  const restarts: RestartEvent[] = [];

  before(async () => {
    fixture = await openTestStore();
    supervisor = createSupervisor(
      testOptions(fixture, [
        // Only the mute listener is probed, so each failure below has exactly one detector
        // (a dead or hung listener would also fail a probe, racing the error, exit or heartbeat).
        spec('imap', 'echo'),
        spec('smtp', 'throwing'),
        spec('imaps', 'throwing'),
        spec('pop3', 'exiting'),
        spec('submission', 'hanging'),
        spec('smtps', 'mute', { probe: smtpGreeting }),
      ]),
    );
    supervisor.on('restart', (event) => restarts.push(event));
    await supervisor.start();
    // A client of a healthy listener stays connected through every failure below.
    bystander = await connectLines(addressOf(supervisor, 'imap'));
    assert.match(await bystander.readLine(), /^220 imap ready/);
  });

  after(async () => {
    bystander?.close();
    await supervisor?.stop(Date.now() + 2000);
    await fixture?.cleanup();
  });

  it('starts every listener and reports it running with its bound address', () => {
    for (const status of supervisor.status()) {
      assert.equal(status.state, 'running', status.name);
      assert.equal(status.restarts, 0);
      assert.ok(status.startedAt !== undefined && status.address && status.address.port > 0);
    }
  });

  const cases = [
    { name: 'smtp', command: 'CRASH', error: /uncaught: listener bug on command/, kind: 'an uncaught exception' },
    { name: 'imaps', command: 'REJECT', error: /uncaught: forgotten rejection/, kind: 'an unhandled rejection' },
    { name: 'pop3', command: 'EXIT', error: /exited with code 3/, kind: 'process.exit()' },
    { name: 'submission', command: 'HANG', error: /no heartbeat/, kind: 'a hung event loop' },
    { name: 'smtps', command: 'MUTE', error: /probe failed: no greeting/, kind: 'a socket that stops greeting' },
  ] as const;

  for (const c of cases) {
    it(`restarts after ${c.kind}`, async () => {
      const client = await connectLines(addressOf(supervisor, c.name));
      assert.match(await client.readLine(), /^220 /);
      client.command(c.command).catch(() => {});
      const restarting = await waitForStatus(supervisor, c.name, (s) => s.state === 'restarting');
      assert.match(restarting.lastError ?? '', c.error);
      const back = await waitForStatus(supervisor, c.name, (s) => s.state === 'running');
      assert.equal(back.restarts, 1);
      client.close();

      const again = await connectLines(addressOf(supervisor, c.name));
      assert.match(await again.readLine(), /^220 /);
      assert.equal(await again.command('PING'), 'PONG');
      again.close();

      // The bystander's connection was never interrupted, and its store access still works.
      assert.equal(await bystander.command('PING'), 'PONG');
      assert.equal(await bystander.command(`SET probe.${c.name} ok`), 'OK');
      assert.equal(await bystander.command(`GET probe.${c.name}`), 'VALUE "ok"');
      assert.equal(statusOf(supervisor, 'imap').restarts, 0);
    });
  }

  it('waited the initial backoff before each first restart', () => {
    assert.equal(restarts.length, 5);
    for (const event of restarts) {
      assert.equal(event.delayMs, 50);
      assert.equal(event.attempt, 0);
    }
  });
});
