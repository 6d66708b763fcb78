// Prints the config.txt lines of the front panel and the hardware watchdog,
// generated from hardware/pinmap.json by the firmware's own code, so the image
// and the wiring cannot drift. Run by image/build/overlay.sh.

import { configTxtLines, loadPinmap } from '../../firmware/gpio/index.ts';

process.stdout.write(`${configTxtLines(loadPinmap()).join('\n')}\n`);
