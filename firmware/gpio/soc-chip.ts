// Finding the SoC's GPIO chip under /sys/class/gpio. Since kernel 6.6 the
// legacy sysfs numbers are no longer the BCM line numbers: each chip has a
// base (512 on a Pi 4, 571 for the Pi 5's RP1), and line N is base + N.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Labels of the chips that carry the 40-pin header lines, most specific first (a Pi 5 also has bcm2712 chips). */
export const SOC_GPIO_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioChip {
  /** gpiochipN */
  readonly name: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** Every gpiochipN with readable base, label and ngpio; [] when the directory is missing. */
export function listGpioChips(gpioClass: string): GpioChip[] {
  let entries: string[];
  try {
    entries = readdirSync(gpioClass).filter((e) => /^gpiochip\d+$/.test(e));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const name of entries) {
    try {
      const read = (file: string) => readFileSync(join(gpioClass, name, file), 'utf8').trim();
      const base = Number(read('base'));
      const ngpio = Number(read('ngpio'));
      if (Number.isInteger(base) && Number.isInteger(ngpio)) chips.push({ name, label: read('label'), base, ngpio });
    } catch {
      // A chip directory we cannot read is not one we could drive either.
    }
  }
  return chips;
}

/** The chip for the header lines, or undefined when none of SOC_GPIO_LABELS is present. */
export function findSocChip(gpioClass: string): GpioChip | undefined {
  const chips = listGpioChips(gpioClass);
  for (const label of SOC_GPIO_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return undefined;
}
