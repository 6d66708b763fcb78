// The config.txt lines the image writes (image/tools/config-txt.ts): the
// firmware's watchdog and safe pin states from hardware/pinmap.json, and the
// image's own overlays - commented out for the sysfs driver (the default),
// active for the kernel driver - never the Raspberry Pi kernel's gpio-led /
// gpio-key overlays, which Debian does not ship.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPinmap } from '../../firmware/gpio/pinmap.ts';
import { FRONT_PANEL_OVERLAYS, imageConfigTxtLines, parseFrontPanelArgs } from '../../image/tools/config-txt.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

test('default (sysfs): watchdog and pin states from the pin map, our overlays named but commented out', () => {
  const lines = imageConfigTxtLines(loadPinmap());
  assert.deepEqual(
    lines.filter((l) => !l.startsWith('# ')),
    ['dtparam=watchdog=on', 'gpio=17=op,dl,pn', 'gpio=27=op,dl,pn', 'gpio=22=ip,pu', '#dtoverlay=pochta-leds', '#dtoverlay=pochta-button'],
  );
  assert.ok(!lines.some((l) => /gpio-(led|key)/.test(l)), 'no Raspberry Pi kernel overlay is named');
});

test('kernel: the same lines with both overlays loaded', () => {
  const lines = imageConfigTxtLines(loadPinmap(), 'kernel');
  assert.deepEqual(lines.slice(-2), ['dtoverlay=pochta-leds', 'dtoverlay=pochta-button']);
  assert.ok(lines.includes('dtparam=watchdog=on') && lines.includes('gpio=22=ip,pu'));
});

test('pin states follow the pin map', () => {
  const raw = JSON.parse(JSON.stringify(loadPinmap()));
  raw['led.red'].bcm = 5;
  raw['led.red'].header = 29;
  const lines = imageConfigTxtLines(raw);
  assert.ok(lines.includes('gpio=5=op,dl,pn'));
});

test('every overlay named has its source in hardware/overlays', () => {
  for (const name of FRONT_PANEL_OVERLAYS) assert.ok(existsSync(join(repo, 'hardware', 'overlays', `${name}.dts`)), name);
});

test('--front-panel parsing, and the tool as overlay.sh runs it', () => {
  assert.equal(parseFrontPanelArgs([]), 'sysfs');
  assert.equal(parseFrontPanelArgs(['--front-panel', 'kernel']), 'kernel');
  assert.throws(() => parseFrontPanelArgs(['--front-panel', 'gpiod']), /sysfs\|kernel/);
  assert.throws(() => parseFrontPanelArgs(['--front-panel']), /sysfs\|kernel/);
  const out = execFileSync(process.execPath, [join(repo, 'image', 'tools', 'config-txt.ts'), '--front-panel', 'kernel'], {
    encoding: 'utf8',
  });
  assert.deepEqual(out.trimEnd().split('\n'), imageConfigTxtLines(loadPinmap(), 'kernel'));
});
