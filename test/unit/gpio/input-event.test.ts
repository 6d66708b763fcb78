import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createInputEventParser,
  decodeInputEvent,
  EV_KEY,
  EV_SYN,
  encodeInputEvent,
  hasCapability,
  type InputEvent,
  inputEventSize,
} from '../../../firmware/gpio/input-event.ts';

test('struct input_event is 24 bytes on 64-bit and 16 on 32-bit, little-endian', () => {
  assert.equal(inputEventSize('arm64'), 24);
  assert.equal(inputEventSize('x64'), 24);
  assert.equal(inputEventSize('arm'), 16);
  const ev: InputEvent = { sec: 1_700_000_000, usec: 123_456, type: EV_KEY, code: 148, value: 1 };
  const b24 = encodeInputEvent(ev, 24);
  assert.equal(b24.length, 24);
  assert.equal(b24.readUInt16LE(16), EV_KEY);
  assert.equal(b24.readUInt16LE(18), 148);
  assert.equal(b24.readInt32LE(20), 1);
  assert.deepEqual(decodeInputEvent(b24, 0, 24), ev);
  const b16 = encodeInputEvent(ev, 16);
  assert.equal(b16.length, 16);
  assert.deepEqual(decodeInputEvent(b16, 0, 16), ev);
});

test('the parser reassembles events split across reads', () => {
  const events: InputEvent[] = [];
  const parser = createInputEventParser(24, (e) => events.push(e));
  const stream = Buffer.concat([
    encodeInputEvent({ sec: 1, usec: 0, type: EV_KEY, code: 148, value: 1 }),
    encodeInputEvent({ sec: 1, usec: 0, type: EV_SYN, code: 0, value: 0 }),
    encodeInputEvent({ sec: 2, usec: 5, type: EV_KEY, code: 148, value: 0 }),
  ]);
  for (const cut of [0, 7, 24, 30, 55, 72]) {
    events.length = 0;
    parser.push(stream.subarray(0, cut));
    parser.push(stream.subarray(cut));
    assert.deepEqual(
      events.map((e) => [e.type, e.value]),
      [
        [EV_KEY, 1],
        [EV_SYN, 0],
        [EV_KEY, 0],
      ],
      `cut at ${cut}`,
    );
  }
});

test('capability bitmaps are read most significant word first', () => {
  // KEY_PROG1 = 148: word 2 (bits 128-191), bit 20.
  const bitmap = `${(1n << 20n).toString(16)} 0 0`;
  assert.equal(hasCapability(bitmap, 148), true);
  assert.equal(hasCapability(bitmap, 116), false);
  assert.equal(hasCapability('0', 148), false);
  // 32-bit longs: 148 is word 4, bit 20.
  assert.equal(hasCapability(`${(1 << 20).toString(16)} 0 0 0 0`, 148, 32), true);
});
