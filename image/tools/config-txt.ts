// The config.txt lines of the image's front panel and hardware watchdog,
// generated from hardware/pinmap.json so the image and the wiring cannot
// drift. Run by image/build/overlay.sh (its output becomes
// /etc/default/raspi-firmware-custom, which raspi-firmware's hook appends to
// config.txt):
//
//   node image/tools/config-txt.ts [--front-panel sysfs|kernel]
//
// The watchdog and the pins' safe state come from the firmware's own
// configTxtLines. Its `dtoverlay=gpio-led` / `gpio-key` lines name the
// Raspberry Pi kernel's overlays, which Debian's raspi-firmware does not ship;
// the image carries its own two instead (hardware/overlays/*.dts, compiled by
// image/build/front-panel.sh), so those lines are replaced here.

import { configTxtLines, loadPinmap, type Pinmap } from '../../firmware/gpio/index.ts';

/** Which driver the box's daemon gets: sysfs GPIO (onoff) or the kernel's LED and key devices. */
export type FrontPanelMode = 'sysfs' | 'kernel';

/** The image's own overlays, as named in /boot/firmware/overlays/ (without .dtbo). */
export const FRONT_PANEL_OVERLAYS: readonly string[] = ['pochta-leds', 'pochta-button'];

/**
 * Lines for /etc/default/raspi-firmware-custom. With 'kernel' the overlays are
 * loaded, the pins belong to the kernel's gpio-leds / gpio-keys drivers and the
 * daemon picks its `kernel` driver by itself. With 'sysfs' (the default) the
 * overlay lines are written commented out: the pins stay free for the daemon's
 * sysfs GPIO driver, and turning them on is one edit.
 */
export function imageConfigTxtLines(pinmap: Pinmap, mode: FrontPanelMode = 'sysfs'): string[] {
  const firmware = configTxtLines(pinmap).filter((line) => !/^dtoverlay=gpio-(led|key)\b/.test(line));
  const prefix = mode === 'kernel' ? '' : '#';
  const why =
    mode === 'kernel'
      ? '# Kernel LED and key devices (hardware/overlays/*.dts): /sys/class/leds/pochta:*, gpio-keys "pochta-button"'
      : '# Pins driven through sysfs GPIO; the kernel LED/key devices (hardware/overlays/*.dts) need these two lines: build-image.sh --front-panel kernel';
  return [...firmware, why, ...FRONT_PANEL_OVERLAYS.map((name) => `${prefix}dtoverlay=${name}`)];
}

/** Parses `--front-panel MODE`; throws on anything else. */
export function parseFrontPanelArgs(argv: readonly string[]): FrontPanelMode {
  let mode: FrontPanelMode = 'sysfs';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i] === '--front-panel' ? argv[++i] : undefined;
    if (value === 'sysfs' || value === 'kernel') mode = value;
    else throw new Error(`config-txt: expected --front-panel sysfs|kernel, got: ${argv.join(' ')}`);
  }
  return mode;
}

if (import.meta.main) {
  process.stdout.write(`${imageConfigTxtLines(loadPinmap(), parseFrontPanelArgs(process.argv.slice(2))).join('\n')}\n`);
}
