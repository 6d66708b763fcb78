// The config.txt lines the image writes for the front panel, generated from
// the pin map so the wiring, the firmware and the boot config cannot drift.
// Overlay names and parameters checked against the Raspberry Pi kernel's
// overlay sources (gpio-led: gpio, label, active_low, trigger; gpio-key: gpio,
// label, keycode, gpio_pull, active_low) - see hardware/README.md.

import type { Pinmap, Pull } from './pinmap.ts';

/** gpio-key's gpio_pull takes the pin controller's number: 0 none, 1 down, 2 up. */
const OVERLAY_PULL: Readonly<Record<Pull, number>> = { none: 0, down: 1, up: 2 };

/** The firmware's `gpio=` pull/drive attribute for a pull setting. */
const GPIO_PULL: Readonly<Record<Pull, string>> = { none: 'pn', down: 'pd', up: 'pu' };

/**
 * Lines for /boot/firmware/config.txt: hardware watchdog on, the pins set to a
 * safe state by the firmware before Linux starts (LEDs off, button pulled),
 * then the kernel LED and key devices the `kernel` board driver uses.
 */
export function configTxtLines(pinmap: Pinmap): string[] {
  const green = pinmap['led.green'];
  const red = pinmap['led.red'];
  const button = pinmap.button;
  const ledOff = (active: 'high' | 'low'): string => (active === 'high' ? 'dl' : 'dh');
  const led = (pin: typeof green): string =>
    `dtoverlay=gpio-led,gpio=${pin.bcm},label=${pin.kernel.led},trigger=${pin.kernel.defaultTrigger}` +
    (pin.active === 'low' ? ',active_low=1' : '');
  return [
    '# Pochta front panel, generated from hardware/pinmap.json (firmware/gpio/config-txt.ts)',
    'dtparam=watchdog=on',
    `gpio=${green.bcm}=op,${ledOff(green.active)},${GPIO_PULL[green.pull]}`,
    `gpio=${red.bcm}=op,${ledOff(red.active)},${GPIO_PULL[red.pull]}`,
    `gpio=${button.bcm}=ip,${GPIO_PULL[button.pull]}`,
    led(green),
    led(red),
    `dtoverlay=gpio-key,gpio=${button.bcm},active_low=${button.active === 'low' ? 1 : 0},gpio_pull=${OVERLAY_PULL[button.pull]},` +
      `keycode=${button.kernel.keycode},label=${button.kernel.keyLabel}`,
  ];
}
