import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createButton, type PressKind } from '../../../firmware/gpio/button.ts';
import { fakeClock } from './fake-clock.ts';

function setup(extra: { onFactoryReset?: () => void } = {}) {
  const clock = fakeClock();
  const presses: [PressKind, number][] = [];
  let changes = 0;
  const button = createButton(undefined, { now: clock.now, timers: clock.timers, onChange: () => changes++, ...extra });
  button.onPress((kind, ms) => presses.push([kind, ms]));
  const edge = (e: 'down' | 'up') => button.edge(e, clock.now());
  return { clock, button, presses, edge, changes: () => changes };
}

test('a short press is classified after debouncing, with the bounces ignored', () => {
  const { clock, button, presses, edge } = setup();
  // Contact bounce: down/up/down within a few ms counts as one press starting at the last edge.
  edge('down');
  clock.advance(3);
  edge('up');
  clock.advance(2);
  edge('down');
  clock.advance(49);
  assert.equal(button.heldSince(), undefined, 'not yet stable for 50 ms');
  clock.advance(1);
  assert.equal(button.heldSince(), clock.now() - 50);
  clock.advance(250);
  edge('up');
  clock.advance(10);
  edge('down'); // a bounce on release
  clock.advance(5);
  edge('up');
  clock.advance(50);
  assert.deepEqual(presses, [['short', 315]]);
  assert.equal(button.heldSince(), undefined);
});

test('a blip shorter than the debounce time is no press at all', () => {
  const { clock, presses, edge } = setup();
  edge('down');
  clock.advance(20);
  edge('up');
  clock.advance(500);
  assert.deepEqual(presses, []);
});

test('released between 2 s and the long-press time: ignored (the cancel gesture)', () => {
  const { clock, presses, edge } = setup({ onFactoryReset: () => assert.fail('must not reset') });
  edge('down');
  clock.advance(6000);
  edge('up');
  clock.advance(100);
  assert.deepEqual(presses, [['ignored', 6000]]);
});

test('held for 10 s: the factory reset fires while held, once; the release is not another press', () => {
  let resets = 0;
  const { clock, button, presses, edge } = setup({ onFactoryReset: () => void resets++ });
  edge('down');
  clock.advance(9_999);
  assert.equal(resets, 0);
  clock.advance(1);
  assert.equal(resets, 1);
  assert.equal(button.resetAt(), clock.now());
  assert.deepEqual(presses, [['long', 10_000]]);
  clock.advance(5000);
  edge('up');
  clock.advance(100);
  assert.equal(resets, 1);
  assert.equal(presses.length, 1);
});

test('a presence request is confirmed by a short press and times out otherwise', async () => {
  const { clock, button, edge } = setup();
  const first = button.requestPresence(60_000);
  const second = button.requestPresence(60_000);
  assert.equal(button.presencePending(), true);
  edge('down');
  clock.advance(300);
  edge('up');
  clock.advance(60);
  assert.equal(await first, true);
  assert.equal(await second, true);
  assert.equal(button.presencePending(), false);

  const late = button.requestPresence(1000);
  clock.advance(1000);
  assert.equal(await late, false);
  // A long press does not confirm presence.
  const viaLong = button.requestPresence(30_000);
  edge('down');
  clock.advance(10_100);
  edge('up');
  clock.advance(60);
  assert.equal(button.presencePending(), true);
  button.close();
  assert.equal(await viaLong, false);
});

test('a short press with nothing waiting does nothing but report itself', () => {
  const { clock, presses, edge, changes } = setup();
  edge('down');
  clock.advance(100);
  edge('up');
  clock.advance(100);
  assert.deepEqual(presses, [['short', 100]]);
  assert.equal(changes(), 2, 'hold start and end reported for the LEDs');
  assert.equal(clock.pending(), 0, 'no timers left behind');
});
