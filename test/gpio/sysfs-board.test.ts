// The sysfs driver (onoff) against a fake /sys/class/gpio: the fake tree is
// bind-mounted over /sys/class/gpio inside a private mount namespace made with
// `unshare -m` (onoff has that path built in), and this process plays the
// kernel: a write to `export` makes gpioN/, a write to `unexport` removes it.

import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findSocChip, gpioPaths, loadPinmap } from '../../firmware/gpio/index.ts';
import { sysfsUnavailable } from '../../firmware/gpio/sysfs-board.ts';

const root = mkdtempSync(join(tmpdir(), 'pochta-sysfs-gpio-'));
after(() => rmSync(root, { recursive: true, force: true }));
const gpio = join(root, 'gpio');
const model = join(root, 'model');
const pinmap = loadPinmap();

function fakeChip(name: string, label: string, base: number, ngpio: number): void {
  mkdirSync(join(gpio, name), { recursive: true });
  writeFileSync(join(gpio, name, 'label'), `${label}\n`);
  writeFileSync(join(gpio, name, 'base'), `${base}\n`);
  writeFileSync(join(gpio, name, 'ngpio'), `${ngpio}\n`);
}
mkdirSync(gpio, { recursive: true });
// A Pi 4 on kernel 6.6+: the SoC's lines start at 512; the firmware's expander chip is a decoy.
for (const file of ['export', 'unexport']) execFileSync('mkfifo', [join(gpio, file)]);
fakeChip('gpiochip512', 'pinctrl-bcm2711', 512, 58);
fakeChip('gpiochip570', 'raspberrypi-exp-gpio', 570, 8);
writeFileSync(model, 'Raspberry Pi 4 Model B Rev 1.5\0');

test('the SoC chip and its base are found; unusable setups say why', () => {
  assert.deepEqual(findSocChip(gpio), { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 });
  const other = mkdtempSync(join(root, 'pi5-'));
  mkdirSync(join(other, 'gpiochip571'));
  writeFileSync(join(other, 'gpiochip571', 'label'), 'pinctrl-rp1');
  writeFileSync(join(other, 'gpiochip571', 'base'), '571');
  writeFileSync(join(other, 'gpiochip571', 'ngpio'), '54');
  assert.equal(findSocChip(other)?.base, 571);

  const reason = (over: Parameters<typeof gpioPaths>[0]) => {
    const r = sysfsUnavailable(gpioPaths(over));
    return 'reason' in r ? r.reason : 'usable';
  };
  assert.match(reason({ model: join(root, 'none'), gpioClass: gpio }), /not a Raspberry Pi \(no /);
  writeFileSync(join(root, 'pc-model'), 'QEMU Virtual Machine');
  assert.match(reason({ model: join(root, 'pc-model'), gpioClass: gpio }), /not a Raspberry Pi \(model is "QEMU/);
  assert.match(reason({ model, gpioClass: join(root, 'none') }), /no sysfs GPIO/);
  assert.match(reason({ model, gpioClass: mkdtempSync(join(root, 'empty-')) }), /no SoC GPIO chip/);
  // The real file protocol needs the real path: onoff cannot be pointed elsewhere.
  assert.match(reason({ model, gpioClass: gpio }), /onoff only drives \/sys\/class\/gpio/);
});

/**
 * Plays the kernel's part of the sysfs protocol on the fake tree. `export` and
 * `unexport` are FIFOs so that every write is seen, also several in a row
 * (a regular file would keep only the last); writes carry no separator, and
 * every line of the fake chip has three digits (512-569), which splits them.
 */
function fakeKernel() {
  const exported: number[] = [];
  const unexported: number[] = [];
  const fds = ['export', 'unexport'].map((file) => {
    const path = join(gpio, file);
    // Read-write: the FIFO never reports end-of-file between the driver's writes, and open does not block.
    return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  });
  const take = (fd: number): number[] => {
    const buf = Buffer.alloc(256);
    let text = '';
    for (;;) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        text += buf.toString('latin1', 0, n);
      } catch {
        break; // EAGAIN: nothing written since the last look
      }
    }
    return (text.trim().match(/\d{3}/g) ?? []).map(Number);
  };
  const timer = setInterval(() => {
    for (const n of take(fds[0] as number)) {
      // Built aside and renamed in, so the driver never sees a half-made directory (the kernel's is complete at once).
      const dir = join(root, `staging-gpio${n}`);
      mkdirSync(dir);
      for (const [file, value] of [
        ['direction', 'in'],
        ['value', '0'],
        ['edge', 'none'],
        ['active_low', '0'],
      ])
        writeFileSync(join(dir, file as string), value as string);
      renameSync(dir, join(gpio, `gpio${n}`));
      exported.push(n);
    }
    for (const n of take(fds[1] as number)) {
      rmSync(join(gpio, `gpio${n}`), { recursive: true, force: true });
      unexported.push(n);
    }
  }, 2);
  return {
    exported,
    unexported,
    stop: () => {
      clearInterval(timer);
      for (const fd of fds) closeSync(fd);
    },
  };
}

function namespaceProblem(): string | undefined {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /mnt'], { encoding: 'utf8' });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0) return `cannot make a private mount namespace: ${r.stderr.trim()}`;
  return undefined;
}

test('sysfs board through onoff on the real /sys/class/gpio path, inside a private mount namespace', async (t) => {
  const problem = namespaceProblem();
  if (problem) {
    t.skip(`${problem}; the sysfs file protocol is not exercised here`);
    return;
  }
  const kernel = fakeKernel();
  const child = spawn(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      // Where the host has no /sys/class/gpio, a tmpfs over /sys/class (in this namespace only) gives a mount point.
      '[ -d /sys/class/gpio ] || { mount -t tmpfs none /sys/class && mkdir /sys/class/gpio; }; mount --bind "$1" /sys/class/gpio && exec "$2" "$3"',
      'sh',
      gpio,
      process.execPath,
      fileURLToPath(new URL('./support/sysfs-child.ts', import.meta.url)),
    ],
    { env: { ...process.env, POCHTA_TEST_MODEL: model } },
  ) as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const messages: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => messages.push(JSON.parse(line)));
  const until = async (what: string, check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end || child.exitCode !== null) assert.fail(`waiting for ${what}; child said ${JSON.stringify(messages)} ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const send = async (cmd: object) => {
    const before = messages.length;
    child.stdin.write(`${JSON.stringify(cmd)}\n`);
    await until(JSON.stringify(cmd), () => messages.length > before);
  };
  const value = (line: number) => readFileSync(join(gpio, `gpio${line}`, 'value'), 'utf8').trim();
  const file = (line: number, name: string) => readFileSync(join(gpio, `gpio${line}`, name), 'utf8').trim();
  try {
    await until('ready', () => messages.some((m) => 'ready' in m));
    const ready = messages.find((m) => 'ready' in m)?.ready as { driver: string };
    assert.equal(ready.driver, 'sysfs');
    const [greenLine, redLine, buttonLine] = [pinmap['led.green'].bcm + 512, pinmap['led.red'].bcm + 512, pinmap.button.bcm + 512];
    assert.deepEqual(kernel.exported, [greenLine, redLine, buttonLine], 'each line exported once, at base + BCM');
    // LEDs: output, starting dark; the button: input, both edges, inverted because it is active low.
    assert.equal(file(greenLine, 'direction'), 'low');
    assert.equal(file(greenLine, 'active_low'), '0');
    assert.equal(file(buttonLine, 'direction'), 'in');
    assert.equal(file(buttonLine, 'edge'), 'both');
    assert.equal(file(buttonLine, 'active_low'), '1');

    await send({ led: 'led.green', pattern: 'on' });
    assert.equal(value(greenLine), '1');
    await send({ led: 'led.red', pattern: 'blink-rapid' });
    const seen = new Set<string>();
    await until('red blinking', () => {
      seen.add(value(redLine));
      return seen.size === 2;
    });

    // Physically pulled low by the button; with active_low=1 the kernel reads that as 1.
    const press = (down: boolean) =>
      writeFileSync(join(gpio, `gpio${buttonLine}`, 'value'), down === (file(buttonLine, 'active_low') === '1') ? '1' : '0');
    press(true);
    await until('down edge', () => messages.some((m) => m.edge === 'down'));
    press(false);
    await until('up edge', () => messages.some((m) => m.edge === 'up'));
    assert.deepEqual(
      messages.filter((m) => 'edge' in m).map((m) => m.edge),
      ['down', 'up'],
    );

    await send({ close: true });
    await until('unexport', () => kernel.unexported.length === 3);
    assert.deepEqual(kernel.unexported.sort(), [greenLine, redLine, buttonLine].sort());
    assert.equal(existsSync(join(gpio, `gpio${greenLine}`)), false);
  } finally {
    kernel.stop();
    child.kill();
  }
});
