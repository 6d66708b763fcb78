// The `kernel` driver: LEDs as kernel LED devices made by the image's
// pochta-leds overlay (/sys/class/leds/NAME), blinking with the kernel's
// `timer` trigger so a blink keeps going even if the daemon stalls; the button
// as the pochta-button overlay's gpio-keys input device, read as evdev events.
// No native code.
//
// delay_on/delay_off are made by the kernel, owned by root, each time the
// trigger becomes `timer`; udev hands them to group pochta on the change event
// that follows (90-pochta-leds.rules), a few milliseconds later. So the writes
// are retried briefly, and if the files stay unwritable the LED blinks in
// software (brightness toggled by our own timer) rather than at the timer's
// default 500/500 ms.

import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board } from './board.ts';
import { createEdgeHub, createLedBook } from './board-core.ts';
import { PANEL_OVERLAYS } from './config-txt.ts';
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
  /**
   * How the timer's delay_on/delay_off writes are retried while udev has not
   * handed them over yet: attempts after the first, and the pause between
   * them. Default 8 × 25 ms; after that the LED blinks in software.
   */
  readonly delayRetry?: { readonly attempts: number; readonly intervalMs: number };
}

const DEFAULT_DELAY_RETRY = { attempts: 8, intervalMs: 25 } as const;

// Open for writing, never create: a sysfs attribute that is not there is an
// error, not a new regular file (and truncate, for the fake trees of tests).
const WRITE_EXISTING = constants.O_WRONLY | constants.O_TRUNC;

/** Why the kernel devices cannot be used, or undefined when they can. */
export function kernelUnavailable(pinmap: Pinmap, paths: GpioPaths): string | undefined {
  for (const name of LED_NAMES) {
    const dir = join(paths.ledsClass, pinmap[name].kernel.led);
    if (!existsSync(join(dir, 'brightness'))) {
      return `no kernel LED ${dir} (${PANEL_OVERLAYS.leds} overlay not loaded: dtoverlay=${PANEL_OVERLAYS.leds} in config.txt)`;
    }
  }
  const key = findKeyDevice(paths.inputClass, pinmap.button.kernel.keycode);
  if (!key) {
    return (
      `no gpio-keys input device with key code ${pinmap.button.kernel.keycode} under ${paths.inputClass} ` +
      `(${PANEL_OVERLAYS.button} overlay not loaded: dtoverlay=${PANEL_OVERLAYS.button} in config.txt)`
    );
  }
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

  const retry = options.delayRetry ?? DEFAULT_DELAY_RETRY;
  // Per LED: the timer of a pending delay retry or of the software blink;
  // cancelled whenever the LED gets a new pattern.
  const running = new Map<LedName, unknown>();
  // LEDs whose fall-back to software blinking was logged (once each).
  const fellBack = new Set<LedName>();

  const ledDir = (name: LedName): string => join(paths.ledsClass, pinmap[name].kernel.led);
  const write = (name: LedName, file: string, value: string): void => {
    const fd = openSync(join(ledDir(name), file), WRITE_EXISTING);
    try {
      writeSync(fd, value);
    } finally {
      closeSync(fd);
    }
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
  const stop = (name: LedName): void => {
    const timer = running.get(name);
    if (timer !== undefined) timers.clearTimeout(timer);
    running.delete(name);
  };

  // Brightness toggled by our own timer through the pattern's steps.
  const blinkInSoftware = (name: LedName, timing: readonly number[]): void => {
    write(name, 'trigger', 'none');
    const lit = maxBrightness(name);
    const step = (i: number): void => {
      try {
        write(name, 'brightness', i % 2 === 0 ? lit : '0');
      } catch (err) {
        running.delete(name);
        options.log?.warn({ err, led: name }, 'cannot set LED');
        return;
      }
      running.set(
        name,
        timers.setTimeout(() => step((i + 1) % timing.length), timing[i] as number),
      );
    };
    step(0);
  };

  // The timer trigger is on (blinking 500/500 already); set its delays, or
  // try again shortly, or give up on it and blink in software.
  const setDelays = (name: LedName, on: number, off: number, timing: readonly number[], attempt: number): void => {
    running.delete(name);
    try {
      write(name, 'delay_on', String(on));
      write(name, 'delay_off', String(off));
      return;
    } catch (err) {
      if (attempt < retry.attempts) {
        running.set(
          name,
          timers.setTimeout(() => setDelays(name, on, off, timing, attempt + 1), retry.intervalMs),
        );
        return;
      }
      if (!fellBack.has(name)) {
        fellBack.add(name);
        options.log?.warn(
          { err, led: name },
          'LED delay_on/delay_off stay unwritable (udev rule 90-pochta-leds.rules?): blinking in software',
        );
      }
    }
    blinkInSoftware(name, timing);
  };

  const render = (name: LedName, pattern: LedPattern): void => {
    stop(name);
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
    setDelays(name, on, off, PATTERN_TIMING[pattern], 0);
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
      for (const name of LED_NAMES) stop(name);
      closed = true;
      reader?.close();
      hub.clear();
    },
  };
}
