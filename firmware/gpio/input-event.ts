// Linux evdev events as read from /dev/input/eventN, without native code:
// struct input_event is { struct timeval time; __u16 type; __u16 code; __s32 value; },
// 24 bytes on 64-bit userspace (two 8-byte time fields), 16 bytes on 32-bit.
// Also finds which eventN is the gpio-keys device for our key code.

import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

export const EV_SYN = 0;
export const EV_KEY = 1;
/** EV_KEY values: key released, pressed, autorepeat. */
export const KEY_RELEASE = 0;
export const KEY_PRESS = 1;
export const KEY_REPEAT = 2;

export interface InputEvent {
  readonly sec: number;
  readonly usec: number;
  readonly type: number;
  readonly code: number;
  readonly value: number;
}

export type InputEventSize = 16 | 24;

/** The struct size for a process architecture: 24 on 64-bit (arm64, x64), 16 on 32-bit (armhf). */
export function inputEventSize(arch: string = process.arch): InputEventSize {
  return arch === 'arm64' || arch === 'x64' || arch === 'ppc64' || arch === 'riscv64' || arch === 's390x' ? 24 : 16;
}

export function encodeInputEvent(event: InputEvent, size: InputEventSize = 24): Buffer {
  const buf = Buffer.alloc(size);
  const t = size === 24 ? 16 : 8;
  if (size === 24) {
    buf.writeBigInt64LE(BigInt(event.sec), 0);
    buf.writeBigInt64LE(BigInt(event.usec), 8);
  } else {
    buf.writeInt32LE(event.sec, 0);
    buf.writeInt32LE(event.usec, 4);
  }
  buf.writeUInt16LE(event.type, t);
  buf.writeUInt16LE(event.code, t + 2);
  buf.writeInt32LE(event.value, t + 4);
  return buf;
}

export function decodeInputEvent(buf: Buffer, offset: number, size: InputEventSize): InputEvent {
  const t = offset + (size === 24 ? 16 : 8);
  return {
    sec: size === 24 ? Number(buf.readBigInt64LE(offset)) : buf.readInt32LE(offset),
    usec: size === 24 ? Number(buf.readBigInt64LE(offset + 8)) : buf.readInt32LE(offset + 4),
    type: buf.readUInt16LE(t),
    code: buf.readUInt16LE(t + 2),
    value: buf.readInt32LE(t + 4),
  };
}

/** Splits a byte stream into events; a read may end mid-event, the rest comes with the next chunk. */
export function createInputEventParser(size: InputEventSize, onEvent: (event: InputEvent) => void): { push(chunk: Buffer): void } {
  let rest = Buffer.alloc(0);
  return {
    push(chunk) {
      const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let offset = 0;
      for (; offset + size <= buf.length; offset += size) onEvent(decodeInputEvent(buf, offset, size));
      rest = Buffer.from(buf.subarray(offset));
    },
  };
}

/**
 * Whether a sysfs capabilities bitmap ("capabilities/key": hex words, most
 * significant first, each a C long of `wordBits`) has bit `code` set.
 */
export function hasCapability(bitmap: string, code: number, wordBits = 64): boolean {
  const words = bitmap.trim().split(/\s+/).reverse();
  const word = words[Math.floor(code / wordBits)];
  if (word === undefined || !/^[0-9a-f]+$/i.test(word)) return false;
  return ((BigInt(`0x${word}`) >> BigInt(code % wordBits)) & 1n) === 1n;
}

export interface KeyDevice {
  /** eventN */
  readonly event: string;
  /** The input device's name (e.g. the gpio-keys node name). */
  readonly name: string;
}

/**
 * The gpio-keys input device that reports `keycode`: an eventN under
 * `inputClass` whose device's driver is gpio-keys and whose key bitmap has
 * the code. Other keyboards are never picked. Undefined when there is none.
 */
export function findKeyDevice(inputClass: string, keycode: number, wordBits = inputEventSize() === 24 ? 64 : 32): KeyDevice | undefined {
  let entries: string[];
  try {
    entries = readdirSync(inputClass).filter((e) => /^event\d+$/.test(e));
  } catch {
    return undefined;
  }
  entries.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  for (const event of entries) {
    const device = join(inputClass, event, 'device');
    try {
      if (basename(realpathSync(join(device, 'device', 'driver'))) !== 'gpio-keys') continue;
      if (!hasCapability(readFileSync(join(device, 'capabilities', 'key'), 'utf8'), keycode, wordBits)) continue;
      return { event, name: readFileSync(join(device, 'name'), 'utf8').trim() };
    } catch {
      // Not an input device of the kind we look for (no driver link, no key capabilities).
    }
  }
  return undefined;
}
