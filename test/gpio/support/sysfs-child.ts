// Runs inside the test's private mount namespace, where a fake tree is
// bind-mounted over /sys/class/gpio: drives the sysfs (onoff) board and
// speaks JSON lines with the test (commands on stdin, events on stdout).

import { createInterface } from 'node:readline';
import { createBoard, gpioPaths, type LedName, type LedPattern } from '../../../firmware/gpio/index.ts';

const say = (msg: object) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const model = process.env.POCHTA_TEST_MODEL;
if (!model) throw new Error('POCHTA_TEST_MODEL not set');

const board = await createBoard({
  driver: 'sysfs',
  paths: gpioPaths({ model }),
  log: { info: () => {}, warn: (o) => say({ warn: String((o as { err?: unknown }).err ?? '') }), error: (o) => say({ error: String(o) }) },
});
board.onButton((edge) => say({ edge }));
say({ ready: board.state() });

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { led?: LedName; pattern?: LedPattern; close?: boolean };
  if (cmd.led && cmd.pattern) {
    board.setLed(cmd.led, cmd.pattern);
    say({ ok: true });
  } else if (cmd.close) {
    await board.close();
    say({ closed: true });
    break;
  }
}
