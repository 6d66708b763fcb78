// Child of test/gpio/kernel-board.test.ts, run as an unprivileged user (root
// writes a 0444 file anyway): delay_on/delay_off exist but are not ours, as on
// the box before udev hands them to group pochta. Prints what the LED files
// hold after the retries, as JSON.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernelBoard, gpioPaths, loadPinmap } from '../../../firmware/gpio/index.ts';
import { fakeClock } from '../../unit/gpio/fake-clock.ts';

const root = mkdtempSync(join(tmpdir(), 'pochta-eacces-'));
try {
  const pinmap = loadPinmap();
  const paths = gpioPaths({ ledsClass: join(root, 'leds'), inputClass: join(root, 'input'), inputDev: join(root, 'dev') });
  for (const name of ['led.green', 'led.red'] as const) {
    const dir = join(paths.ledsClass, pinmap[name].kernel.led);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'brightness'), '0');
    writeFileSync(join(dir, 'max_brightness'), '1');
    writeFileSync(join(dir, 'trigger'), '[none] timer');
    for (const f of ['delay_on', 'delay_off']) writeFileSync(join(dir, f), '500', { mode: 0o444 });
  }
  const clock = fakeClock();
  const warnings: string[] = [];
  const note = (_o: object, msg: string) => {
    if (/LED/.test(msg)) warnings.push(msg);
  };
  const board = createKernelBoard({ pinmap, paths, now: clock.now, timers: clock.timers, log: { warn: note, error: note } });
  const red = join(paths.ledsClass, pinmap['led.red'].kernel.led);
  const read = (f: string) => readFileSync(join(red, f), 'utf8').trim();
  board.setLed('led.red', 'blink-fast');
  const during = read('trigger');
  clock.advance(1000);
  const brightness: string[] = [];
  for (let i = 0; i < 4; i++) {
    brightness.push(read('brightness'));
    clock.advance(150);
  }
  process.stdout.write(
    `${JSON.stringify({ uid: process.getuid?.(), during, trigger: read('trigger'), delayOn: read('delay_on'), brightness, warnings })}\n`,
  );
  await board.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
