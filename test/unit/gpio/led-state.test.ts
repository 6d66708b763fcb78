import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptFlicker, type LedInputs, ledOutputs, serviceState } from '../../../firmware/gpio/led-state.ts';
import { FLICKER_GAP_MS, FLICKER_MS, LED_STATES, RESET_DONE_MS } from '../../../firmware/gpio/patterns.ts';
import type { ListenerState } from '../../../firmware/supervisor/index.ts';

const l = (state: ListenerState, restarts = 0) => ({ state, restarts });
const base = (over: Partial<LedInputs> = {}): LedInputs => ({
  listeners: [l('running'), l('running'), l('running')],
  setupDone: true,
  presencePending: false,
  longPressMs: 10_000,
  ...over,
});

test('service rows follow the supervisor view', () => {
  assert.equal(serviceState([l('starting'), l('starting')], true), 'booting');
  assert.equal(serviceState([l('running'), l('starting')], true), 'booting');
  assert.equal(serviceState([], true), 'booting');
  assert.equal(serviceState([l('running'), l('running')], true), 'all-up');
  assert.equal(serviceState([l('running'), l('running')], false), 'setup');
  assert.equal(serviceState([l('running'), l('restarting', 1)], true), 'restarting');
  // Coming back up after a crash is part of the restart, not a boot.
  assert.equal(serviceState([l('running'), l('starting', 1)], true), 'restarting');
  assert.equal(serviceState([l('running'), l('failed', 6)], true), 'failed');
  assert.equal(serviceState([l('restarting', 2), l('failed', 6)], true), 'failed');
  assert.equal(serviceState([l('failed', 6), l('failed', 6)], true), 'all-failed');
  assert.equal(serviceState([l('stopped'), l('stopped')], true), 'stopped');
});

test('patterns per state come from the one table', () => {
  const cases: [LedInputs, string, string, string][] = [
    [base(), 'all-up', 'on', 'off'],
    [base({ listeners: [l('starting'), l('starting')] }), 'booting', 'blink-slow', 'off'],
    [base({ listeners: [l('running'), l('restarting', 1)] }), 'restarting', 'on', 'blink-fast'],
    [base({ listeners: [l('running'), l('failed', 6)] }), 'failed', 'on', 'on'],
    [base({ listeners: [l('failed', 6)] }), 'all-failed', 'off', 'on'],
    [base({ setupDone: false }), 'setup', 'heartbeat', 'off'],
    [base({ presencePending: true }), 'presence', 'blink-fast', 'blink-fast'],
  ];
  for (const [inputs, state, green, red] of cases) {
    const out = ledOutputs(inputs, 0);
    assert.equal(out.state, state);
    assert.deepEqual(out.leds, { 'led.green': green, 'led.red': red });
    assert.equal(LED_STATES[out.state].green, green);
    assert.equal(out.nextChangeAt, undefined, `${state} changes only on input`);
  }
});

test('holding the button counts down in three steps, then reset-done shows for a while', () => {
  const t0 = 50_000;
  const held = (ms: number) => ledOutputs(base({ heldSince: t0 }), t0 + ms);
  // Under 2 s it may still be a short press: nothing changes yet, but the machine says when it will.
  assert.equal(held(1999).state, 'all-up');
  assert.equal(held(1999).nextChangeAt, t0 + 2000);
  assert.equal(held(2000).state, 'reset-hold-1');
  assert.deepEqual(held(2000).leds, { 'led.green': 'off', 'led.red': 'blink-slow' });
  assert.equal(held(2000).nextChangeAt, t0 + 5000);
  assert.equal(held(5000).state, 'reset-hold-2');
  assert.equal(held(8000).state, 'reset-hold-3');
  assert.equal(held(8000).leds['led.red'], 'blink-rapid');
  assert.equal(held(9999).nextChangeAt, undefined);
  // The countdown outranks failures and presence.
  assert.equal(ledOutputs(base({ heldSince: t0, presencePending: true, listeners: [l('failed', 6)] }), t0 + 6000).state, 'reset-hold-2');

  const r = t0 + 10_000;
  const done = ledOutputs(base({ heldSince: t0, resetAt: r, setupDone: false }), r + 1);
  assert.equal(done.state, 'reset-done');
  assert.equal(done.nextChangeAt, r + RESET_DONE_MS);
  assert.equal(ledOutputs(base({ resetAt: r, setupDone: false }), r + RESET_DONE_MS).state, 'setup');
});

test('countdown scales with the configured long-press time', () => {
  const out = ledOutputs(base({ heldSince: 0, longPressMs: 1000 }), 500);
  assert.equal(out.state, 'reset-hold-2');
  assert.equal(out.nextChangeAt, 800);
});

test('traffic flickers a steady green LED briefly and is rate limited', () => {
  const t = 10_000;
  const on = ledOutputs(base({ flickerAt: t }), t);
  assert.equal(on.leds['led.green'], 'off');
  assert.equal(on.nextChangeAt, t + FLICKER_MS);
  assert.equal(ledOutputs(base({ flickerAt: t }), t + FLICKER_MS).leds['led.green'], 'on');
  // Off (all failed) flickers on; a blinking LED does not flicker.
  assert.equal(ledOutputs(base({ flickerAt: t, listeners: [l('failed', 6)] }), t + 1).leds['led.green'], 'on');
  assert.equal(ledOutputs(base({ flickerAt: t, setupDone: false }), t + 1).leds['led.green'], 'heartbeat');
  assert.equal(acceptFlicker(undefined, t), true);
  assert.equal(acceptFlicker(t, t + FLICKER_GAP_MS - 1), false);
  assert.equal(acceptFlicker(t, t + FLICKER_GAP_MS), true);
});
