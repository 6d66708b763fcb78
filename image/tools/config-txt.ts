// The config.txt lines of the image's front panel and hardware watchdog,
// generated from hardware/pinmap.json so the image and the wiring cannot
// drift. Run by image/build/overlay.sh (its output becomes
// /etc/default/raspi-firmware-custom, which raspi-firmware's hook appends to
// config.txt):
//
//   node image/tools/config-txt.ts [--front-panel sysfs|kernel]
//
// Every line, the image's own overlays (hardware/overlays/*.dts) included,
// comes from the firmware's configTxtLines: nothing is filtered here.

import {
  configTxtLines,
  type FrontPanelMode,
  loadPinmap,
  PANEL_OVERLAYS,
  type Pinmap,
  parseFrontPanelMode,
} from '../../firmware/gpio/index.ts';

export type { FrontPanelMode };

/** The image's own overlays, as named in /boot/firmware/overlays/ (without .dtbo). */
export const FRONT_PANEL_OVERLAYS: readonly string[] = [PANEL_OVERLAYS.leds, PANEL_OVERLAYS.button];

/** Lines for /etc/default/raspi-firmware-custom (see configTxtLines for the two modes). */
export function imageConfigTxtLines(pinmap: Pinmap, mode: FrontPanelMode = 'sysfs'): string[] {
  return configTxtLines(pinmap, mode);
}

/** Parses `--front-panel MODE`; throws on anything else. */
export const parseFrontPanelArgs = parseFrontPanelMode;

if (import.meta.main) {
  process.stdout.write(`${imageConfigTxtLines(loadPinmap(), parseFrontPanelArgs(process.argv.slice(2))).join('\n')}\n`);
}
