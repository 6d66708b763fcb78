// The kernel driver against a fake /sys/class/leds, /sys/class/input and
// /dev/input: LED files as the pochta-leds overlay makes them, and a FIFO as the
// pochta-button (gpio-keys) event device, fed the 24-byte events a real key press produces.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  type ButtonEdge,
  createBoard,
  createKernelBoard,
  EV_KEY,
  EV_SYN,
  encodeInputEvent,
  gpioPaths,
  inputEventSize,
  loadPinmap,
} from '../../firmware/gpio/index.ts';
import { fakeClock } from '../unit/gpio/fake-clock.ts';

const root = mkdtempSync(join(tmpdir(), 'pochta-kernel-gpio-'));
after(() => rmSync(root, { recursive: true, force: true }));
const pinmap = loadPinmap();
const paths = gpioPaths({
  ledsClass: join(root, 'sys/class/leds'),
  inputClass: join(root, 'sys/class/input'),
  inputDev: join(root, 'dev/input'),
  gpioClass: join(root, 'sys/class/gpio'),
  model: join(root, 'proc/device-tree/model'),
});

function fakeLed(label: string): string {
  const dir = join(paths.ledsClass, label);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'brightness'), '0');
  writeFileSync(join(dir, 'max_brightness'), '255');
  writeFileSync(join(dir, 'trigger'), '[none] kbd-scrolllock timer oneshot heartbeat default-on');
  // Made by the kernel when the trigger becomes `timer` (the driver never creates files).
  writeFileSync(join(dir, 'delay_on'), '500');
  writeFileSync(join(dir, 'delay_off'), '500');
  return dir;
}

function fakeInput(event: string, driver: string, keyBitmap: string, name: string): void {
  const device = join(paths.inputClass, event, 'device');
  mkdirSync(join(device, 'capabilities'), { recursive: true });
  writeFileSync(join(device, 'name'), `${name}\n`);
  writeFileSync(join(device, 'capabilities', 'key'), `${keyBitmap}\n`);
  const platform = join(root, 'sys/devices/platform', event);
  const drivers = join(root, 'sys/bus/platform/drivers', driver);
  mkdirSync(platform, { recursive: true });
  mkdirSync(drivers, { recursive: true });
  symlinkSync(drivers, join(platform, 'driver'));
  symlinkSync(platform, join(device, 'device'));
}

const key = pinmap.button.kernel.keycode;
const green = fakeLed(pinmap['led.green'].kernel.led);
const red = fakeLed(pinmap['led.red'].kernel.led);
// A keyboard that also has the key must not be taken for the button.
fakeInput('event0', 'atkbd', 'ffffffffffffffff ffffffffffffffff ffffffffffffffff ffffffffffffffff', 'AT keyboard');
// capabilities/key: 64-bit words, most significant first; only our key code's bit set.
const keyWords = [(1n << BigInt(key % 64)).toString(16), ...Array<string>(Math.floor(key / 64)).fill('0')];
fakeInput('event3', 'gpio-keys', keyWords.join(' '), 'button@16');
mkdirSync(paths.inputDev, { recursive: true });
execFileSync('mkfifo', [join(paths.inputDev, 'event3')]);
writeFileSync(join(paths.inputDev, 'event0'), '');

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('auto-selection takes the kernel devices; LED patterns become triggers and brightness', async () => {
  const board = await createBoard({ pinmap, paths });
  try {
    assert.equal(board.driver, 'kernel');
    board.setLed('led.green', 'on');
    assert.equal(read(green, 'trigger'), 'none');
    assert.equal(read(green, 'brightness'), '255');
    board.setLed('led.red', 'heartbeat');
    assert.equal(read(red, 'trigger'), 'heartbeat');
    board.setLed('led.red', 'blink-fast');
    // The kernel's timer trigger blinks on its own, even if the daemon stalls.
    assert.equal(read(red, 'trigger'), 'timer');
    assert.equal(read(red, 'delay_on'), '150');
    assert.equal(read(red, 'delay_off'), '150');
    board.setLed('led.green', 'blink-slow');
    assert.equal(read(green, 'delay_on'), '500');
    board.setLed('led.green', 'off');
    assert.equal(read(green, 'trigger'), 'none');
    assert.equal(read(green, 'brightness'), '0');
    assert.deepEqual(
      Object.values(board.ledState()).map((l) => l.pattern),
      ['off', 'blink-fast'],
    );
  } finally {
    await board.close();
  }
  assert.equal(read(red, 'brightness'), '0', 'close leaves the LEDs off');
  assert.equal(read(red, 'trigger'), 'none');
});

test('key press and release events from the input device become button edges', async () => {
  const board = await createBoard({ pinmap, paths, driver: 'kernel' });
  const edges: ButtonEdge[] = [];
  board.onButton((edge) => edges.push(edge));
  const size = inputEventSize();
  const writer = openSync(join(paths.inputDev, 'event3'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    const frame = (type: number, code: number, value: number) =>
      encodeInputEvent({ sec: 1_764_000_000, usec: 1000, type, code, value }, size);
    // What gpio-keys emits: the key event, then a SYN_REPORT; another key code is ignored.
    writeSync(writer, Buffer.concat([frame(EV_KEY, key, 1), frame(EV_SYN, 0, 0), frame(EV_KEY, 30, 1), frame(EV_SYN, 0, 0)]));
    await until('press', () => edges.length === 1);
    assert.equal(board.state().button.pressed, true);
    // A release split across two writes, then autorepeat noise that is not an edge.
    const release = Buffer.concat([frame(EV_KEY, key, 2), frame(EV_KEY, key, 0), frame(EV_SYN, 0, 0)]);
    writeSync(writer, release.subarray(0, 30));
    await new Promise((r) => setTimeout(r, 30));
    writeSync(writer, release.subarray(30));
    await until('release', () => edges.length === 2);
    assert.deepEqual(edges, ['down', 'up']);
    assert.equal(board.state().button.pressed, false);
  } finally {
    closeSync(writer);
    await board.close();
  }
});

test('without the kernel devices the board falls back and says why', async () => {
  const board = await createBoard({ pinmap, paths: gpioPaths({ ...paths, ledsClass: join(root, 'nothing') }) });
  try {
    assert.equal(board.driver, 'sim');
    assert.match(
      board.state().reason ?? '',
      /kernel: no kernel LED .*\(pochta-leds overlay not loaded: dtoverlay=pochta-leds in config\.txt\)/,
    );
    assert.match(board.state().reason ?? '', /sysfs: not a Raspberry Pi/);
  } finally {
    await board.close();
  }
});

// --- delay_on/delay_off handed over late, or never --------------------------

/** A tree with the two LEDs only (no button), driven on a fake clock. */
function ledTree(name: string) {
  const base = join(root, name);
  const treePaths = gpioPaths({ ...paths, ledsClass: join(base, 'leds'), inputClass: join(base, 'input'), inputDev: join(base, 'dev') });
  const dirs = {
    green: join(treePaths.ledsClass, pinmap['led.green'].kernel.led),
    red: join(treePaths.ledsClass, pinmap['led.red'].kernel.led),
  };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'brightness'), '0');
    writeFileSync(join(dir, 'max_brightness'), '1');
    writeFileSync(join(dir, 'trigger'), '[none] timer heartbeat');
  }
  const clock = fakeClock();
  const warnings: string[] = []; // about the LEDs (this tree has no button, which is warned about too)
  const note = (_o: object, msg: string) => {
    if (/LED/.test(msg)) warnings.push(msg);
  };
  const log = { warn: note, error: note };
  const board = createKernelBoard({
    pinmap,
    paths: treePaths,
    now: clock.now,
    timers: clock.timers,
    log,
    delayRetry: { attempts: 4, intervalMs: 25 },
  });
  return { board, clock, dirs, warnings };
}

test('delay files that appear a moment after trigger=timer (udev) are written on a retry', async () => {
  const { board, clock, dirs, warnings } = ledTree('late-udev');
  board.setLed('led.red', 'blink-fast');
  assert.equal(read(dirs.red, 'trigger'), 'timer');
  assert.equal(existsSync(join(dirs.red, 'delay_on')), false, 'never created by the driver');
  clock.advance(50); // two retries failed
  writeFileSync(join(dirs.red, 'delay_on'), '500'); // udev hands them over
  writeFileSync(join(dirs.red, 'delay_off'), '500');
  clock.advance(25);
  assert.equal(read(dirs.red, 'delay_on'), '150');
  assert.equal(read(dirs.red, 'delay_off'), '150');
  assert.equal(read(dirs.red, 'trigger'), 'timer', 'the kernel blinks, not us');
  assert.equal(clock.pending(), 0, 'nothing left running');
  assert.deepEqual(warnings, []);
  await board.close();
});

test('delay files that stay unwritable: the LED blinks in software, logged once, stopped by the next pattern', async () => {
  const { board, clock, dirs, warnings } = ledTree('no-udev');
  board.setLed('led.green', 'blink-slow');
  clock.advance(4 * 25); // every retry failed
  assert.equal(read(dirs.green, 'trigger'), 'none', 'software blinking takes the trigger off');
  assert.equal(read(dirs.green, 'brightness'), '1');
  clock.advance(500);
  assert.equal(read(dirs.green, 'brightness'), '0');
  clock.advance(500);
  assert.equal(read(dirs.green, 'brightness'), '1');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /blinking in software/);
  // Another blink pattern: the timer is tried again (udev may have caught up), then software.
  board.setLed('led.green', 'blink-rapid');
  clock.advance(4 * 25);
  assert.equal(read(dirs.green, 'brightness'), '1');
  clock.advance(50);
  assert.equal(read(dirs.green, 'brightness'), '0');
  assert.equal(warnings.length, 1, 'logged once per LED');
  board.setLed('led.green', 'on');
  assert.equal(read(dirs.green, 'brightness'), '1');
  clock.advance(2000);
  assert.equal(read(dirs.green, 'brightness'), '1', 'no blink timer left');
  assert.equal(clock.pending(), 0);
  await board.close();
  assert.equal(read(dirs.green, 'brightness'), '0');
});

test('a new pattern while the delays are still being retried cancels the retry', async () => {
  const { board, clock, dirs } = ledTree('cancelled');
  board.setLed('led.red', 'blink-fast');
  board.setLed('led.red', 'on');
  writeFileSync(join(dirs.red, 'delay_on'), '500');
  writeFileSync(join(dirs.red, 'delay_off'), '500');
  clock.advance(1000);
  assert.equal(read(dirs.red, 'delay_on'), '500', 'the stale retry did not write');
  assert.equal(read(dirs.red, 'trigger'), 'none');
  assert.equal(read(dirs.red, 'brightness'), '1');
  assert.equal(clock.pending(), 0);
  await board.close();
});

test('delay files owned by root (EACCES, as on the box before udev) count as not handed over: software blink', async (t) => {
  // Root writes a 0444 file anyway, so the scenario runs in a child as nobody.
  const child = join(import.meta.dirname, 'support', 'kernel-delays-eacces.ts');
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  let out: string;
  try {
    out = execFileSync(asNobody[0] ?? process.execPath, [...asNobody.slice(1), ...(asNobody.length ? [process.execPath] : []), child], {
      encoding: 'utf8',
      cwd: '/',
    });
  } catch (err) {
    if (asNobody.length && /setpriv/.test(String(err))) return t.skip(`cannot drop to an unprivileged user here: ${err}`);
    throw err;
  }
  const r = JSON.parse(out) as { uid: number; during: string; trigger: string; delayOn: string; brightness: string[]; warnings: string[] };
  assert.notEqual(r.uid, 0);
  assert.equal(r.during, 'timer', 'the kernel timer first (blinking 500/500 while the writes are retried)');
  assert.equal(r.trigger, 'none', 'then software blinking');
  assert.equal(r.delayOn, '500', 'root-owned file left alone');
  // 150 ms steps, sampled every 150 ms: on and off in turn.
  assert.ok(
    r.brightness.every((b, k) => (b === '1' || b === '0') && (k === 0 || b !== r.brightness[k - 1])),
    r.brightness.join(','),
  );
  assert.equal(r.warnings.length, 1);
});
