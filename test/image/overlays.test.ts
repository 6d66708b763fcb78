// The front panel's own device-tree overlays (hardware/overlays/*.dts): each
// compiled with the real dtc as the image build does, read back with fdtget,
// and compared with hardware/pinmap.json; then applied with fdtoverlay (libfdt,
// the same merge the Pi firmware does) onto a DTB shaped like Debian's
// upstream ones - no __symbols__ until image/overlay/.../dtb-symbols adds the
// `gpio` one - and, where this machine has the image's root filesystem cached,
// onto Debian's real Raspberry Pi DTBs.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LED_NAMES, loadPinmap, type Pull } from '../../firmware/gpio/pinmap.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const overlaysDir = join(repo, 'hardware', 'overlays');
const dtbSymbols = join(repo, 'image', 'overlay', 'usr', 'local', 'lib', 'pochta', 'dtb-symbols');
const cacheDir = process.env['POCHTA_IMAGE_CACHE'] || '/var/cache/pochta-image';
const pinmap = loadPinmap();

/** The pin controller's pull numbers (brcm,pull): 0 none, 1 down, 2 up. */
const BRCM_PULL: Readonly<Record<Pull, number>> = { none: 0, down: 1, up: 2 };
/** The gpio flags cell: GPIO_ACTIVE_HIGH 0, GPIO_ACTIVE_LOW 1. */
const activeFlag = (active: 'high' | 'low'): number => (active === 'low' ? 1 : 0);

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = ['dtc', 'fdtget', 'fdtput', 'fdtoverlay'].filter((t) => !hasTool(t));
const skip = missing.length > 0 ? `needs device-tree-compiler (missing ${missing.join(', ')}); build-image.sh installs it` : false;

const fdtget = (file: string, node: string, prop?: string, type = 's'): string =>
  execFileSync('fdtget', ['-t', type, file, node, ...(prop ? [prop] : [])], { encoding: 'utf8' }).trim();
const cells = (file: string, node: string, prop: string): number[] =>
  fdtget(file, node, prop, 'u')
    .split(/\s+/)
    .map((n) => Number(n));
const subnodes = (file: string, node: string): string[] =>
  execFileSync('fdtget', ['-l', file, node], { encoding: 'utf8' }).split('\n').filter(Boolean);

let dir: string;
const dtbo: Record<string, string> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-overlays-'));
  if (skip) return;
  for (const name of ['pochta-leds', 'pochta-button']) {
    dtbo[name] = join(dir, `${name}.dtbo`);
    execFileSync('dtc', ['-@', '-q', '-I', 'dts', '-O', 'dtb', '-o', dtbo[name], join(overlaysDir, `${name}.dts`)]);
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the overlays match hardware/pinmap.json', { skip }, () => {
  test('pochta-leds: one gpio-leds node per LED with its BCM line, active level, label and boot trigger', () => {
    const file = dtbo['pochta-leds']!;
    const base = '/fragment@0/__overlay__/pochta-leds';
    assert.equal(fdtget(file, '/fragment@0', 'target-path'), '/');
    assert.equal(fdtget(file, base, 'compatible'), 'gpio-leds');
    const byLabel = new Map(subnodes(file, base).map((n) => [fdtget(file, `${base}/${n}`, 'label'), `${base}/${n}`]));
    assert.equal(byLabel.size, LED_NAMES.length);
    for (const name of LED_NAMES) {
      const pin = pinmap[name];
      const node = byLabel.get(pin.kernel.led);
      assert.ok(node, `no LED labelled ${pin.kernel.led}`);
      // <&gpio line flags>: the phandle is 0xffffffff until the firmware resolves the fixup.
      assert.deepEqual(cells(file, node, 'gpios'), [0xffffffff, pin.bcm, activeFlag(pin.active)], `${name} gpios`);
      assert.equal(fdtget(file, node, 'linux,default-trigger'), pin.kernel.defaultTrigger);
      assert.equal(fdtget(file, node, 'default-state'), 'off');
    }
    // Every &gpio reference goes through __fixups__/gpio (resolved against the base DTB's symbol).
    const fixups = fdtget(file, '/__fixups__', 'gpio').split(/\s+/);
    assert.deepEqual(fixups.sort(), [...byLabel.values()].map((n) => `${n}:gpios:0`).sort());
  });

  test('pochta-button: gpio-keys with the key code, active level, and the pin set up with its pull', () => {
    const file = dtbo['pochta-button']!;
    const pin = pinmap.button;
    const keys = '/fragment@1/__overlay__/pochta-button';
    assert.equal(fdtget(file, keys, 'compatible'), 'gpio-keys');
    assert.equal(fdtget(file, keys, 'label'), pin.kernel.keyLabel);
    assert.deepEqual(subnodes(file, keys), ['button']);
    assert.deepEqual(cells(file, `${keys}/button`, 'gpios'), [0xffffffff, pin.bcm, activeFlag(pin.active)]);
    assert.deepEqual(cells(file, `${keys}/button`, 'linux,code'), [pin.kernel.keycode]);
    // KEY_POWER would make systemd-logind power the box off.
    assert.notEqual(pin.kernel.keycode, 116);
    const pins = '/fragment@0/__overlay__/pochta-button-pins';
    assert.deepEqual(cells(file, pins, 'brcm,pins'), [pin.bcm]);
    assert.deepEqual(cells(file, pins, 'brcm,function'), [0], 'input');
    assert.deepEqual(cells(file, pins, 'brcm,pull'), [BRCM_PULL[pin.pull]]);
    // pinctrl-0 points at the pins node (a local reference, fixed up on merge).
    assert.deepEqual(cells(file, keys, 'pinctrl-0'), cells(file, pins, 'phandle'));
    assert.deepEqual(fdtget(file, '/__fixups__', 'gpio').split(/\s+/).sort(), ['/fragment@0:target:0', `${keys}/button:gpios:0`].sort());
  });
});

/** A base DTB shaped like Debian's upstream ones: the GPIO controller at /soc/gpio@7e200000 with a phandle, no __symbols__. */
async function upstreamLikeDtb(path: string): Promise<void> {
  const dts = join(dir, 'base.dts');
  await writeFile(
    dts,
    `/dts-v1/;
/ {
  compatible = "raspberrypi,4-model-b", "brcm,bcm2711";
  #address-cells = <1>; #size-cells = <1>;
  soc {
    #address-cells = <1>; #size-cells = <1>;
    gpio: gpio@7e200000 { compatible = "brcm,bcm2711-gpio"; reg = <0x7e200000 0xb4>; gpio-controller; #gpio-cells = <2>; };
  };
  leds { compatible = "gpio-leds"; led-act { label = "ACT"; gpios = <&gpio 42 0>; }; };
};
`,
  );
  execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', path, dts]);
}

/** Merge both overlays into `base` like the firmware does; returns the merged DTB's path. */
function merge(base: string): string {
  const out = `${base}.merged`;
  execFileSync('fdtoverlay', ['-i', base, '-o', out, dtbo['pochta-leds']!, dtbo['pochta-button']!], { stdio: 'pipe' });
  return out;
}

function assertMerged(merged: string): void {
  const gpioPhandle = cells(merged, '/soc/gpio@7e200000', 'phandle')[0];
  assert.ok(gpioPhandle !== undefined && gpioPhandle > 0);
  assert.deepEqual(cells(merged, '/pochta-leds/led-green', 'gpios'), [gpioPhandle, pinmap['led.green'].bcm, 0]);
  assert.deepEqual(cells(merged, '/pochta-leds/led-red', 'gpios'), [gpioPhandle, pinmap['led.red'].bcm, 0]);
  assert.deepEqual(cells(merged, '/pochta-button/button', 'gpios'), [gpioPhandle, pinmap.button.bcm, 1]);
  // The pins node landed in the GPIO controller and the key's pinctrl points at it.
  assert.deepEqual(cells(merged, '/pochta-button', 'pinctrl-0'), cells(merged, '/soc/gpio@7e200000/pochta-button-pins', 'phandle'));
}

describe('the overlays apply to an upstream DTB once dtb-symbols ran', { skip }, () => {
  test('without the symbol the merge fails; dtb-symbols adds it (once) and the merge resolves &gpio', async () => {
    const boot = await mkdtemp(join(dir, 'boot-'));
    const base = join(boot, 'bcm2711-rpi-4-b.dtb');
    await upstreamLikeDtb(base);
    assert.throws(() => merge(base), 'no __symbols__: like the Pi firmware, libfdt refuses the overlay');

    execFileSync('sh', [dtbSymbols, boot]);
    assert.equal(fdtget(base, '/__symbols__', 'gpio'), '/soc/gpio@7e200000');
    const once = execFileSync('sha256sum', [base], { encoding: 'utf8' });
    execFileSync('sh', [dtbSymbols, boot]);
    assert.equal(execFileSync('sha256sum', [base], { encoding: 'utf8' }), once, 'a second run changes nothing');

    assertMerged(merge(base));
    // The board's own LED still points at the same controller (its phandle was kept).
    assert.deepEqual(cells(base, '/leds/led-act', 'gpios')[0], cells(base, '/soc/gpio@7e200000', 'phandle')[0]);
  });

  const cached = existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((d) => d.startsWith('rootfs-'))
        .map((d) => join(cacheDir, d, 'boot', 'firmware'))
        .find((d) => existsSync(d) && readdirSync(d).some((f) => /^bcm.*\.dtb$/.test(f)))
    : undefined;
  test("Debian's own Raspberry Pi DTBs from the cached root filesystem", {
    skip: cached ? false : `no cached root filesystem under ${cacheDir} (made by build-image.sh)`,
  }, async () => {
    const boot = await mkdtemp(join(dir, 'debian-'));
    const dtbs = readdirSync(cached!).filter((f) => /^bcm.*\.dtb$/.test(f));
    for (const f of dtbs) await copyFile(join(cached!, f), join(boot, f));
    execFileSync('sh', [dtbSymbols, boot]);
    for (const f of dtbs) assertMerged(merge(join(boot, f)));
    assert.ok(dtbs.some((f) => f.startsWith('bcm2711-rpi-4')) && dtbs.some((f) => f.startsWith('bcm2837-rpi-3')));
  });
});
