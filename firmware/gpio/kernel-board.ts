// The `kernel` driver: LEDs as kernel LED devices made by the gpio-led overlay
// (/sys/class/leds/NAME), blinking with the kernel's `timer` trigger so a blink
// keeps going even if the daemon stalls; the button as the gpio-key overlay's
// input device, read as evdev events. No native code.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board } from './board.ts';
import { createEdgeHub, createLedBook } from './board-core.ts';
import { type DeviceReader, openDeviceReader } from './device-reader.ts';
import {
  createInputEventParser,
  EV_KEY,
  findKeyDevice,
  type InputEventSize,
  inputEventSize,
  KEY_PRESS,
  KEY_RELEASE,
} from './input-event.ts';
import type { GpioPaths } from './paths.ts';
import { type LedPattern, PATTERN_TIMING } from './patterns.ts';
import { LED_NAMES, type LedName, type Pinmap } from './pinmap.ts';

export interface KernelBoardOptions {
  readonly pinmap: Pinmap;
  readonly paths: GpioPaths;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** How often the input device is drained; default 20 ms. */
  readonly pollMs?: number;
  /** input_event size; default from the process architecture. */
  readonly eventSize?: InputEventSize;
}

/** Why the kernel devices cannot be used, or undefined when they can. */
export function kernelUnavailable(pinmap: Pinmap, paths: GpioPaths): string | undefined {
  for (const name of LED_NAMES) {
    const dir = join(paths.ledsClass, pinmap[name].kernel.led);
    if (!existsSync(join(dir, 'brightness'))) return `no kernel LED ${dir} (gpio-led overlay not loaded)`;
  }
  const key = findKeyDevice(paths.inputClass, pinmap.button.kernel.keycode);
  if (!key) return `no gpio-keys input device with key code ${pinmap.button.kernel.keycode} under ${paths.inputClass}`;
  if (!existsSync(join(paths.inputDev, key.event))) return `no device node ${join(paths.inputDev, key.event)}`;
  return undefined;
}

export function createKernelBoard(options: KernelBoardOptions): Board {
  const { pinmap, paths } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const leds = createLedBook(now);
  const hub = createEdgeHub((err) => options.log?.error({ err }, 'button handler threw'));
  let pressed = false;
  let closed = false;

  const ledDir = (name: LedName): string => join(paths.ledsClass, pinmap[name].kernel.led);
  const write = (name: LedName, file: string, value: string): void => {
    writeFileSync(join(ledDir(name), file), value);
  };
  const maxBrightness = (name: LedName): string => {
    try {
      return readFileSync(join(ledDir(name), 'max_brightness'), 'utf8').trim() || '1';
    } catch {
      return '1';
    }
  };
  const hasTrigger = (name: LedName, trigger: string): boolean => {
    try {
      // The file lists every trigger, the active one in brackets: "none [timer] heartbeat ...".
      return readFileSync(join(ledDir(name), 'trigger'), 'utf8')
        .split(/\s+/)
        .some((t) => t.replace(/^\[|\]$/g, '') === trigger);
    } catch {
      return false;
    }
  };

  const render = (name: LedName, pattern: LedPattern): void => {
    if (pattern === 'off' || pattern === 'on') {
      write(name, 'trigger', 'none');
      write(name, 'brightness', pattern === 'on' ? maxBrightness(name) : '0');
      return;
    }
    if (pattern === 'heartbeat' && hasTrigger(name, 'heartbeat')) {
      write(name, 'trigger', 'heartbeat');
      return;
    }
    // Writing `timer` creates delay_on/delay_off; the kernel blinks from then on without us.
    const [on = 500, off = 500] = pattern === 'heartbeat' ? [100, 900] : PATTERN_TIMING[pattern];
    write(name, 'trigger', 'timer');
    write(name, 'delay_on', String(on));
    write(name, 'delay_off', String(off));
  };

  const key = findKeyDevice(paths.inputClass, pinmap.button.kernel.keycode);
  let reader: DeviceReader | undefined;
  if (key) {
    const parser = createInputEventParser(options.eventSize ?? inputEventSize(), (event) => {
      if (event.type !== EV_KEY || event.code !== pinmap.button.kernel.keycode) return;
      // Autorepeat (2) is not a new edge; EV_SYN frames are implied by reading in order.
      if (event.value === KEY_PRESS && !pressed) {
        pressed = true;
        hub.emit('down', now());
      } else if (event.value === KEY_RELEASE && pressed) {
        pressed = false;
        hub.emit('up', now());
      }
    });
    try {
      reader = openDeviceReader(join(paths.inputDev, key.event), {
        timers,
        intervalMs: options.pollMs ?? 20,
        onData: (chunk) => parser.push(chunk),
        onError: (err) => options.log?.error({ err }, 'button input device failed; button disabled'),
      });
    } catch (err) {
      options.log?.warn({ err }, 'cannot open the button input device; button disabled');
    }
  } else {
    options.log?.warn({ keycode: pinmap.button.kernel.keycode }, 'no gpio-keys device for the button; button disabled');
  }

  return {
    driver: 'kernel',
    setLed(name, pattern) {
      if (closed || !leds.set(name, pattern)) return;
      try {
        render(name, pattern);
      } catch (err) {
        // An LED is never worth a crash: log and keep serving mail.
        options.log?.warn({ err, led: name, pattern }, 'cannot set LED');
      }
    },
    ledState: () => leds.views(),
    state: () => ({ driver: 'kernel', leds: leds.views(), button: { pressed } }),
    onButton: (cb) => hub.add(cb),
    async close() {
      if (closed) return;
      for (const name of LED_NAMES) this.setLed(name, 'off');
      closed = true;
      reader?.close();
      hub.clear();
    },
  };
}
