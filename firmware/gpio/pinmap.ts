// hardware/pinmap.json as typed data: which header pin and BCM line each
// logical name (led.green, led.red, button) uses, its active level and pull,
// and the kernel device names the image's overlays create. The firmware, the
// image build (configTxtLines) and the tests all read the same file.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PochtaError } from '../errors.ts';

export const LED_NAMES = ['led.green', 'led.red'] as const;
export type LedName = (typeof LED_NAMES)[number];

export type ActiveLevel = 'high' | 'low';
export type Pull = 'up' | 'down' | 'none';

export interface PinSpec {
  /** Physical pin on the 40-pin header (1-40). */
  readonly header: number;
  /** The SoC's GPIO line number (what overlays and config.txt call "gpio"). */
  readonly bcm: number;
  /** Level at which the LED is lit / the button reads as pressed. */
  readonly active: ActiveLevel;
  readonly pull: Pull;
}

export interface LedPin extends PinSpec {
  /** Name under /sys/class/leds (the label in hardware/overlays/pochta-leds.dts), and its boot-time trigger. */
  readonly kernel: { readonly led: string; readonly defaultTrigger: string };
}

export interface ButtonPin extends PinSpec {
  /** pochta-button overlay settings (gpio-keys): the key's label and the key code its input device reports. */
  readonly kernel: { readonly keyLabel: string; readonly keycode: number; readonly keyName: string };
}

export interface Pinmap {
  readonly 'led.green': LedPin;
  readonly 'led.red': LedPin;
  readonly button: ButtonPin;
  /** Header pins used as ground for the LEDs and the button. */
  readonly ground: readonly number[];
}

/** BCM line -> physical header pin on every 40-pin Raspberry Pi (B+ and later). */
export const HEADER_PIN_OF_BCM: Readonly<Record<number, number>> = Object.freeze({
  0: 27,
  1: 28,
  2: 3,
  3: 5,
  4: 7,
  5: 29,
  6: 31,
  7: 26,
  8: 24,
  9: 21,
  10: 19,
  11: 23,
  12: 32,
  13: 33,
  14: 8,
  15: 10,
  16: 36,
  17: 11,
  18: 12,
  19: 35,
  20: 38,
  21: 40,
  22: 15,
  23: 16,
  24: 18,
  25: 22,
  26: 37,
  27: 13,
});

/** Header pins wired to ground. */
export const GROUND_PINS: readonly number[] = Object.freeze([6, 9, 14, 20, 25, 30, 34, 39]);

/** Where the repository keeps the pin map; the image copies it beside the firmware. */
export const DEFAULT_PINMAP_PATH = fileURLToPath(new URL('../../hardware/pinmap.json', import.meta.url));

/** Read and validate a pin map file (default: hardware/pinmap.json). PochtaError BAD_CONFIG when malformed. */
export function loadPinmap(path: string = DEFAULT_PINMAP_PATH): Pinmap {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PochtaError('BAD_CONFIG', `cannot read pin map ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsePinmap(raw);
}

const fail = (why: string): never => {
  throw new PochtaError('BAD_CONFIG', `pin map: ${why}`);
};

const record = (value: unknown, where: string): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : fail(`${where} is not an object`);

const int = (value: unknown, where: string, min: number, max: number): number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max
    ? (value as number)
    : fail(`${where} must be an integer ${min}-${max}`);

const str = (value: unknown, where: string): string =>
  typeof value === 'string' && /^[A-Za-z0-9_:.-]+$/.test(value) ? value : fail(`${where} must be a plain name`);

const oneOf = <T extends string>(value: unknown, where: string, allowed: readonly T[]): T =>
  allowed.includes(value as T) ? (value as T) : fail(`${where} must be one of ${allowed.join(', ')}`);

function pinSpec(value: unknown, name: string): PinSpec & { kernel: Record<string, unknown> } {
  const o = record(value, name);
  return {
    header: int(o.header, `${name}.header`, 1, 40),
    // 0-27 are the lines brought out to the header on every 40-pin Pi.
    bcm: int(o.bcm, `${name}.bcm`, 0, 27),
    active: oneOf(o.active, `${name}.active`, ['high', 'low'] as const),
    pull: oneOf(o.pull, `${name}.pull`, ['up', 'down', 'none'] as const),
    kernel: record(o.kernel, `${name}.kernel`),
  };
}

/** Validate parsed JSON as a Pinmap; rejects duplicate lines or header pins. */
export function parsePinmap(raw: unknown): Pinmap {
  const o = record(raw, 'pin map');
  const leds = LED_NAMES.map((name): LedPin => {
    const { kernel, ...pin } = pinSpec(o[name], name);
    return {
      ...pin,
      kernel: { led: str(kernel.led, `${name}.kernel.led`), defaultTrigger: str(kernel.defaultTrigger, `${name}.kernel.defaultTrigger`) },
    };
  });
  const b = pinSpec(o.button, 'button');
  const button: ButtonPin = {
    header: b.header,
    bcm: b.bcm,
    active: b.active,
    pull: b.pull,
    kernel: {
      keyLabel: str(b.kernel.keyLabel, 'button.kernel.keyLabel'),
      keycode: int(b.kernel.keycode, 'button.kernel.keycode', 1, 767),
      keyName: str(b.kernel.keyName, 'button.kernel.keyName'),
    },
  };
  const ground = Array.isArray(o.ground)
    ? o.ground.map((g, i) => int(g, `ground[${i}]`, 1, 40))
    : fail('ground must be a list of header pins');
  const [green, red] = leds as [LedPin, LedPin];
  const pins = [green, red, button];
  for (const [name, pin] of [
    ['led.green', green],
    ['led.red', red],
    ['button', button],
  ] as const) {
    // A header number that disagrees with the BCM line is a wiring bug waiting to happen.
    if (HEADER_PIN_OF_BCM[pin.bcm] !== pin.header)
      fail(`${name}: BCM ${pin.bcm} is header pin ${HEADER_PIN_OF_BCM[pin.bcm]}, not ${pin.header}`);
  }
  for (const g of ground) if (!GROUND_PINS.includes(g)) fail(`header pin ${g} is not a ground pin`);
  if (new Set(pins.map((p) => p.bcm)).size !== pins.length) fail('two names share a BCM line');
  if (new Set([...pins.map((p) => p.header), ...ground]).size !== pins.length + ground.length) fail('two names share a header pin');
  return Object.freeze({ 'led.green': green, 'led.red': red, button, ground: Object.freeze(ground) });
}
