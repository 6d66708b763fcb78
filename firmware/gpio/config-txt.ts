// The config.txt lines the image writes for the front panel, generated from
// the pin map so the wiring, the firmware and the boot config cannot drift.
//
// The LEDs and the button come from the image's own overlays,
// hardware/overlays/pochta-leds.dts and pochta-button.dts (compiled into
// /boot/firmware/overlays/ by image/build/front-panel.sh): Debian's
// raspi-firmware ships none of the Raspberry Pi kernel's overlays (no
// gpio-led, no gpio-key), so naming those would load nothing. The two overlays
// carry their pins themselves; test/image/overlays.test.ts checks them against
// hardware/pinmap.json.

import type { Pinmap, Pull } from './pinmap.ts';

/** The image's front-panel overlays, as named in /boot/firmware/overlays/ (without .dtbo). */
export const PANEL_OVERLAYS = Object.freeze({ leds: 'pochta-leds', button: 'pochta-button' } as const);

/**
 * Which driver the box's daemon gets: `sysfs` leaves the pins free for sysfs
 * GPIO (onoff) and writes the overlay lines commented out; `kernel` loads the
 * overlays, so the pins belong to the kernel's gpio-leds / gpio-keys drivers.
 */
export type FrontPanelMode = 'sysfs' | 'kernel';

/** The firmware's `gpio=` pull/drive attribute for a pull setting. */
const GPIO_PULL: Readonly<Record<Pull, string>> = { none: 'pn', down: 'pd', up: 'pu' };

/**
 * Lines for /boot/firmware/config.txt: hardware watchdog on, the pins set to a
 * safe state by the firmware before Linux starts (LEDs off, button pulled),
 * then the two overlay lines - active for `kernel`, commented out for `sysfs`
 * (turning them on later is one edit).
 */
export function configTxtLines(pinmap: Pinmap, mode: FrontPanelMode = 'sysfs'): string[] {
  const green = pinmap['led.green'];
  const red = pinmap['led.red'];
  const button = pinmap.button;
  const ledOff = (active: 'high' | 'low'): string => (active === 'high' ? 'dl' : 'dh');
  const prefix = mode === 'kernel' ? '' : '#';
  const why =
    mode === 'kernel'
      ? '# Kernel LED and key devices (hardware/overlays/*.dts): /sys/class/leds/pochta:*, gpio-keys "pochta-button"'
      : '# Pins driven through sysfs GPIO; the kernel LED/key devices (hardware/overlays/*.dts) need these two lines: build-image.sh --front-panel kernel';
  return [
    '# Pochta front panel, generated from hardware/pinmap.json (firmware/gpio/config-txt.ts)',
    'dtparam=watchdog=on',
    `gpio=${green.bcm}=op,${ledOff(green.active)},${GPIO_PULL[green.pull]}`,
    `gpio=${red.bcm}=op,${ledOff(red.active)},${GPIO_PULL[red.pull]}`,
    `gpio=${button.bcm}=ip,${GPIO_PULL[button.pull]}`,
    why,
    `${prefix}dtoverlay=${PANEL_OVERLAYS.leds}`,
    `${prefix}dtoverlay=${PANEL_OVERLAYS.button}`,
  ];
}

/** Parses `--front-panel MODE` (nothing: sysfs); throws on anything else. */
export function parseFrontPanelMode(argv: readonly string[]): FrontPanelMode {
  let mode: FrontPanelMode = 'sysfs';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i] === '--front-panel' ? argv[++i] : undefined;
    if (value === 'sysfs' || value === 'kernel') mode = value;
    else throw new Error(`config-txt: expected --front-panel sysfs|kernel, got: ${argv.join(' ')}`);
  }
  return mode;
}
