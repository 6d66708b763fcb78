// The `sysfs` driver: the legacy /sys/class/gpio interface through the onoff
// package, for a Pi whose image does not load the pochta-leds / pochta-button
// overlays. Patterns are timed in software here (they stop if the daemon
// stalls; the kernel driver does not have that weakness).

import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Gpio } from 'onoff';
import { type Logger, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board } from './board.ts';
import { createEdgeHub, createLedBook } from './board-core.ts';
import { DEFAULT_GPIO_PATHS, type GpioPaths } from './paths.ts';
import { type LedPattern, PATTERN_TIMING } from './patterns.ts';
import { LED_NAMES, type LedName, type Pinmap, type PinSpec } from './pinmap.ts';
import { findSocChip, type GpioChip } from './soc-chip.ts';

export interface SysfsBoardOptions {
  readonly pinmap: Pinmap;
  readonly paths: GpioPaths;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Button polling period when edge interrupts are not available; default 20 ms. */
  readonly pollMs?: number;
  /** How long to wait for gpioN/ to appear and become writable after export (udev sets permissions); default 3 s. */
  readonly exportTimeoutMs?: number;
}

type OnoffModule = typeof import('onoff');

/** onoff is loaded lazily: a missing or mis-built native addon must not break the rest of the firmware. */
export function loadOnoff(): OnoffModule | string {
  try {
    return createRequire(import.meta.url)('onoff') as OnoffModule;
  } catch (err) {
    return `the onoff package cannot be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** Why sysfs GPIO cannot be used, or the SoC chip when it can. */
export function sysfsUnavailable(paths: GpioPaths): { readonly reason: string } | { readonly chip: GpioChip } {
  let model = '';
  try {
    model = readFileSync(paths.model, 'utf8').replace(/\0/g, '').trim();
  } catch {}
  if (!/raspberry pi/i.test(model)) return { reason: `not a Raspberry Pi (${model ? `model is "${model}"` : `no ${paths.model}`})` };
  if (!existsSync(paths.gpioClass)) return { reason: `no sysfs GPIO: ${paths.gpioClass} is absent (kernel without CONFIG_GPIO_SYSFS)` };
  const chip = findSocChip(paths.gpioClass);
  if (!chip) return { reason: `no SoC GPIO chip (pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835) under ${paths.gpioClass}` };
  try {
    accessSync(join(paths.gpioClass, 'export'), constants.W_OK);
  } catch {
    return { reason: `no permission to write ${join(paths.gpioClass, 'export')} (run as root or join the gpio group)` };
  }
  // onoff has /sys/class/gpio built in; a test reaches a fake tree by bind-mounting it there.
  if (paths.gpioClass !== DEFAULT_GPIO_PATHS.gpioClass)
    return { reason: `onoff only drives ${DEFAULT_GPIO_PATHS.gpioClass}, not ${paths.gpioClass}` };
  return { chip };
}

const sleep = (timers: Timers, ms: number) => new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

export async function createSysfsBoard(options: SysfsBoardOptions, chip: GpioChip, onoff: OnoffModule): Promise<Board> {
  const { pinmap, paths } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const leds = createLedBook(now);
  const hub = createEdgeHub((err) => options.log?.error({ err }, 'button handler threw'));
  const lineOf = (pin: PinSpec): number => chip.base + pin.bcm;

  // Export ourselves and wait without blocking the loop: onoff would spin synchronously until udev is done.
  const exportLine = async (line: number): Promise<void> => {
    const dir = join(paths.gpioClass, `gpio${line}`);
    if (!existsSync(dir)) writeFileSync(join(paths.gpioClass, 'export'), String(line));
    const deadline = now() + (options.exportTimeoutMs ?? 3000);
    for (;;) {
      try {
        accessSync(join(dir, 'value'), constants.R_OK | constants.W_OK);
        accessSync(join(dir, 'direction'), constants.W_OK);
        return;
      } catch (err) {
        if (now() >= deadline) throw new Error(`gpio${line} did not appear after export: ${(err as Error).message}`);
        await sleep(timers, 10);
      }
    }
  };

  const gpios = new Map<LedName, Gpio>();
  for (const name of LED_NAMES) {
    const pin = pinmap[name];
    await exportLine(lineOf(pin));
    // Raw initial level "off" (direction high/low is not inverted by active_low), then logical writes.
    gpios.set(name, new onoff.Gpio(lineOf(pin), pin.active === 'high' ? 'low' : 'high', 'none', { activeLow: pin.active === 'low' }));
  }
  await exportLine(lineOf(pinmap.button));
  const button = new onoff.Gpio(lineOf(pinmap.button), 'in', 'both', { activeLow: pinmap.button.active === 'low' });

  let closed = false;
  let pressed = button.readSync() === 1;
  const level = (value: number): void => {
    const down = value === 1;
    if (closed || down === pressed) return;
    pressed = down;
    hub.emit(down ? 'down' : 'up', now());
  };
  let pollTimer: unknown;
  try {
    button.watch((err, value) => {
      if (err) options.log?.warn({ err }, 'button interrupt error');
      else level(value);
    });
  } catch (err) {
    // Edge interrupts need poll(2) on a real sysfs value file; without them, sample the line.
    options.log?.info({ err: (err as Error).message }, 'button edge interrupts unavailable; polling the line');
    pollTimer = timers.setInterval(() => {
      try {
        level(button.readSync());
      } catch (e) {
        options.log?.warn({ err: e }, 'cannot read the button line');
      }
    }, options.pollMs ?? 20);
  }

  const blinkers = new Map<LedName, unknown>();
  const writeLed = (name: LedName, lit: boolean): void => {
    try {
      gpios.get(name)?.writeSync(lit ? 1 : 0);
    } catch (err) {
      options.log?.warn({ err, led: name }, 'cannot set LED');
    }
  };
  const render = (name: LedName, pattern: LedPattern): void => {
    const running = blinkers.get(name);
    if (running !== undefined) timers.clearTimeout(running);
    blinkers.delete(name);
    const timing = PATTERN_TIMING[pattern];
    if (timing.length === 0) {
      writeLed(name, pattern === 'on');
      return;
    }
    const step = (i: number): void => {
      writeLed(name, i % 2 === 0);
      blinkers.set(
        name,
        timers.setTimeout(() => step((i + 1) % timing.length), timing[i] as number),
      );
    };
    step(0);
  };

  return {
    driver: 'sysfs',
    setLed(name, pattern) {
      if (!closed && leds.set(name, pattern)) render(name, pattern);
    },
    ledState: () => leds.views(),
    state: () => ({ driver: 'sysfs', leds: leds.views(), button: { pressed } }),
    onButton: (cb) => hub.add(cb),
    async close() {
      if (closed) return;
      for (const name of LED_NAMES) render(name, 'off');
      closed = true;
      if (pollTimer !== undefined) timers.clearInterval(pollTimer);
      hub.clear();
      const lines: [Gpio, number][] = [
        ...LED_NAMES.map((n): [Gpio, number] => [gpios.get(n) as Gpio, lineOf(pinmap[n])]),
        [button, lineOf(pinmap.button)],
      ];
      for (const [gpio, line] of lines) {
        try {
          gpio.unexport();
        } catch {
          // onoff's unexport first removes the line from epoll, which fails when interrupts were never
          // available (the polling fallback); give the line back ourselves.
          try {
            writeFileSync(join(paths.gpioClass, 'unexport'), String(line));
          } catch (err) {
            options.log?.warn({ err, line }, 'cannot unexport a GPIO line');
          }
        }
      }
    },
  };
}
