// The LEDs on the simulated board following a real supervisor with real
// listener threads: a crash and a hang blink the red LED while the listener
// restarts, a bystander's session is not disturbed, and a listener crashed
// until the supervisor gives up turns the red LED solid while the rest serve.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Board, createSimBoard, type FrontPanel, startFrontPanel } from '../../firmware/gpio/index.ts';
import { createSupervisor, type Supervisor } from '../../firmware/supervisor/index.ts';
import { addressOf, spec, testOptions, waitForStatus } from '../unit/supervisor/harness.ts';
import { connectLines, type LineClient } from '../unit/supervisor/line-client.ts';
import { openTestStore, type TestStore } from '../unit/supervisor/store-fixture.ts';

describe('front panel LEDs follow the supervisor (sim board, real worker threads)', () => {
  let fixture: TestStore;
  let supervisor: Supervisor;
  let panel: FrontPanel;
  let bystander: LineClient;
  const redSeen: string[] = [];
  const leds = () => {
    const s = panel.state().leds;
    return [s['led.green'].pattern, s['led.red'].pattern];
  };

  before(async () => {
    fixture = await openTestStore();
    supervisor = createSupervisor(
      testOptions(fixture, [spec('imap', 'echo'), spec('smtp', 'echo')], { failure: { maxRestarts: 3, windowMs: 60_000 } }),
    );
    const sim = createSimBoard();
    // Record every red pattern the controller sets, so a short blink phase cannot be missed.
    const board: Board = {
      ...sim,
      setLed(name, pattern) {
        if (name === 'led.red' && sim.ledState()['led.red'].pattern !== pattern) redSeen.push(pattern);
        sim.setLed(name, pattern);
      },
    };
    panel = await startFrontPanel({ listeners: supervisor, board, onFactoryReset: () => assert.fail('no reset here') });
    assert.deepEqual(leds(), ['off', 'off'], 'stopped before start');
    await supervisor.start();
    bystander = await connectLines(addressOf(supervisor, 'imap'));
    assert.match(await bystander.readLine(), /^220 imap ready/);
  });

  after(async () => {
    bystander?.close();
    await panel?.close();
    await supervisor?.stop(Date.now() + 2000);
    await fixture?.cleanup();
  });

  it('shows all up once every listener runs', () => {
    assert.deepEqual(leds(), ['on', 'off']);
  });

  for (const [kind, restarts] of [
    ['throw', 1],
    ['hang', 2],
  ] as const) {
    it(`a ${kind} in smtp blinks red during the restart, then green is solid again`, async () => {
      redSeen.length = 0;
      const restarting = waitForStatus(supervisor, 'smtp', (s) => s.state === 'restarting');
      supervisor.fault('smtp', kind);
      await restarting;
      assert.deepEqual(leds(), ['on', 'blink-fast']);
      const back = await waitForStatus(supervisor, 'smtp', (s) => s.state === 'running' && s.restarts === restarts);
      assert.equal(back.restarts, restarts);
      assert.deepEqual(leds(), ['on', 'off']);
      assert.deepEqual(redSeen, ['blink-fast', 'off']);
      // The other listener's session went on undisturbed.
      assert.equal(await bystander.command('PING'), 'PONG');
    });
  }

  it('crashed until the supervisor gives up: red solid, green on, imap still serves', async () => {
    for (;;) {
      const status = await waitForStatus(supervisor, 'smtp', (s) => s.state === 'running' || s.state === 'failed');
      if (status.state === 'failed') break;
      supervisor.fault('smtp', 'throw');
      await waitForStatus(supervisor, 'smtp', (s) => s.state !== 'running');
    }
    assert.deepEqual(leds(), ['on', 'on']);
    assert.equal(panel.leds.outputs().state, 'failed');
    assert.equal(await bystander.command('PING'), 'PONG');
  });
});
