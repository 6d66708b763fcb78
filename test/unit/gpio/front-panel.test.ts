import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import type { ListenerView } from '../../../firmware/gpio/index.ts';
import { type Board, createSimBoard, formatPanelState, panelPress, startFrontPanel } from '../../../firmware/gpio/index.ts';
import type { Supervisor } from '../../../firmware/supervisor/index.ts';
import { fakeClock } from './fake-clock.ts';

// The composition root passes the supervisor itself as the LEDs' listener view.
export const supervisorIsAListenerView = (supervisor: Supervisor): ListenerView => supervisor;

import { fakeListeners } from './fake-listeners.ts';

async function panel(extra: { setupDone?: boolean } = {}) {
  const clock = fakeClock();
  const listeners = fakeListeners(['smtp', 'imap', 'web']);
  let resets = 0;
  const board = createSimBoard({ now: clock.now, timers: clock.timers });
  const fp = await startFrontPanel({
    listeners,
    board,
    now: clock.now,
    timers: clock.timers,
    onFactoryReset: () => void resets++,
    ...extra,
  });
  const leds = () => {
    const s = fp.state().leds;
    return [s['led.green'].pattern, s['led.red'].pattern];
  };
  return { clock, listeners, board, fp, leds, resets: () => resets };
}

test('sim board: LEDs follow the listeners through boot, a crash and a failure', async () => {
  const { listeners, leds, fp } = await panel();
  assert.deepEqual(leds(), ['blink-slow', 'off']);
  listeners.set('smtp', 'running');
  listeners.set('imap', 'running');
  assert.deepEqual(leds(), ['blink-slow', 'off'], 'still booting while one listener starts');
  listeners.set('web', 'running');
  assert.deepEqual(leds(), ['on', 'off']);
  listeners.set('smtp', 'restarting', 1);
  assert.deepEqual(leds(), ['on', 'blink-fast']);
  listeners.set('smtp', 'starting', 1);
  assert.deepEqual(leds(), ['on', 'blink-fast']);
  listeners.set('smtp', 'running', 1);
  assert.deepEqual(leds(), ['on', 'off']);
  listeners.set('smtp', 'failed', 6);
  assert.deepEqual(leds(), ['on', 'on']);
  listeners.set('imap', 'failed', 6);
  listeners.set('web', 'failed', 6);
  assert.deepEqual(leds(), ['off', 'on']);
  assert.equal(fp.leds.outputs().state, 'all-failed');
  await fp.close();
  assert.deepEqual(leds(), ['off', 'off']);
});

test('sim board: lit follows the pattern phase on the board clock', async () => {
  const clock = fakeClock();
  const board = createSimBoard({ now: clock.now, timers: clock.timers });
  board.setLed('led.red', 'blink-slow');
  assert.equal(board.ledState()['led.red'].lit, true);
  clock.advance(500);
  assert.equal(board.ledState()['led.red'].lit, false);
  clock.advance(500);
  assert.equal(board.ledState()['led.red'].lit, true);
  assert.match(formatPanelState(board.state()), /led\.red +blink-slow \(lit now\)/);
  await board.close();
});

test('short press from the sim confirms a presence request; LEDs ask for it meanwhile', async () => {
  const { clock, listeners, fp, leds } = await panel();
  for (const n of ['smtp', 'imap', 'web'] as const) listeners.set(n, 'running');
  const confirmed = fp.requestPresence(120_000);
  assert.deepEqual(leds(), ['blink-fast', 'blink-fast']);
  const pressed = fp.press('short');
  clock.advance(100); // the sim holds 100 ms
  await pressed;
  clock.advance(60); // debounce
  assert.equal(await confirmed, true);
  assert.deepEqual(leds(), ['on', 'off']);
  await fp.close();
});

test('long press from the sim counts down on the red LED, then resets once', async () => {
  const { clock, listeners, fp, leds, resets } = await panel();
  for (const n of ['smtp', 'imap', 'web'] as const) listeners.set(n, 'running');
  const pressed = fp.press('long');
  clock.advance(1000);
  assert.deepEqual(leds(), ['on', 'off'], 'could still be a short press');
  clock.advance(1100);
  assert.deepEqual(leds(), ['off', 'blink-slow']);
  clock.advance(3000);
  assert.deepEqual(leds(), ['off', 'blink-fast']);
  clock.advance(3000);
  assert.deepEqual(leds(), ['off', 'blink-rapid']);
  assert.equal(resets(), 0);
  clock.advance(1899);
  assert.equal(resets(), 0);
  clock.advance(1); // 10 s held
  assert.equal(resets(), 1);
  assert.equal(fp.leds.outputs().state, 'reset-done');
  clock.advance(200);
  await pressed;
  // The composition root marks setup as not done after the reset.
  fp.setSetupDone(false);
  clock.advance(3000);
  assert.deepEqual(leds(), ['heartbeat', 'off']);
  assert.equal(resets(), 1);
  await fp.close();
});

test('traffic flickers the green LED at most once a second', async () => {
  const { clock, listeners, fp, leds } = await panel();
  for (const n of ['smtp', 'imap', 'web'] as const) listeners.set(n, 'running');
  fp.traffic();
  assert.deepEqual(leds(), ['off', 'off']);
  clock.advance(80);
  assert.deepEqual(leds(), ['on', 'off']);
  fp.traffic();
  assert.deepEqual(leds(), ['on', 'off'], 'rate limited');
  clock.advance(920);
  fp.traffic();
  assert.deepEqual(leds(), ['off', 'off']);
  await fp.close();
});

test('pressing is only for the sim board, and only short or long', async () => {
  const real: Board = { ...createSimBoard(), driver: 'kernel' };
  await assert.rejects(panelPress(real, 'short'), (err) => isPochtaError(err, 'FORBIDDEN'));
  await assert.rejects(panelPress(createSimBoard(), 'medium'), (err) => isPochtaError(err, 'INVALID_ARGUMENT'));
});
