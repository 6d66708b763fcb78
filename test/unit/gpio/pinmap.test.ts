import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { configTxtLines, parseFrontPanelMode } from '../../../firmware/gpio/config-txt.ts';
import { loadPinmap, parsePinmap } from '../../../firmware/gpio/pinmap.ts';

test('hardware/pinmap.json is valid and its header pins agree with the BCM lines', () => {
  const map = loadPinmap();
  assert.equal(map['led.green'].bcm, 17);
  assert.equal(map['led.green'].header, 11);
  assert.equal(map['led.red'].bcm, 27);
  assert.equal(map['led.red'].header, 13);
  assert.equal(map.button.bcm, 22);
  assert.equal(map.button.header, 15);
  assert.equal(map.button.active, 'low');
  assert.equal(map.button.pull, 'up');
  // KEY_POWER (116) would make systemd-logind power the box off.
  assert.notEqual(map.button.kernel.keycode, 116);
});

test("config.txt lines: watchdog, safe pin states from the pin map, the image's own overlays (commented out for sysfs)", () => {
  assert.deepEqual(configTxtLines(loadPinmap()), [
    '# Pochta front panel, generated from hardware/pinmap.json (firmware/gpio/config-txt.ts)',
    'dtparam=watchdog=on',
    'gpio=17=op,dl,pn',
    'gpio=27=op,dl,pn',
    'gpio=22=ip,pu',
    '# Pins driven through sysfs GPIO; the kernel LED/key devices (hardware/overlays/*.dts) need these two lines: build-image.sh --front-panel kernel',
    '#dtoverlay=pochta-leds',
    '#dtoverlay=pochta-button',
  ]);
  const kernel = configTxtLines(loadPinmap(), 'kernel');
  assert.deepEqual(kernel.slice(-2), ['dtoverlay=pochta-leds', 'dtoverlay=pochta-button']);
  // Debian ships no gpio-led / gpio-key overlay: never named, in either mode.
  assert.ok(![...kernel, ...configTxtLines(loadPinmap(), 'sysfs')].some((l) => /gpio-(led|key)\b/.test(l)));
});

test('config.txt pin states follow an active-low LED and an active-high button with pull-down', () => {
  const raw = structuredClone(JSON.parse(JSON.stringify(loadPinmap())));
  raw['led.red'].active = 'low';
  raw.button.active = 'high';
  raw.button.pull = 'down';
  const lines = configTxtLines(parsePinmap(raw), 'kernel');
  assert.ok(lines.includes('gpio=27=op,dh,pn'));
  assert.ok(lines.includes('gpio=22=ip,pd'));
});

test('--front-panel parsing', () => {
  assert.equal(parseFrontPanelMode([]), 'sysfs');
  assert.equal(parseFrontPanelMode(['--front-panel', 'kernel']), 'kernel');
  assert.throws(() => parseFrontPanelMode(['--front-panel', 'gpiod']), /sysfs\|kernel/);
});

test('malformed pin maps are refused with BAD_CONFIG and a reason', () => {
  const good = () => JSON.parse(JSON.stringify(loadPinmap()));
  const cases: [string, (m: ReturnType<typeof good>) => void, RegExp][] = [
    [
      'header disagrees with BCM',
      (m) => {
        m['led.green'].header = 12;
      },
      /BCM 17 is header pin 11/,
    ],
    [
      'shared line',
      (m) => {
        m['led.red'].bcm = 17;
        m['led.red'].header = 11;
      },
      /share/,
    ],
    [
      'bad level',
      (m) => {
        m.button.active = 'sideways';
      },
      /button.active/,
    ],
    [
      'not a ground pin',
      (m) => {
        m.ground = [1];
      },
      /not a ground pin/,
    ],
    [
      'missing key code',
      (m) => {
        delete m.button.kernel.keycode;
      },
      /keycode/,
    ],
    [
      'label with a comma would break the overlay line',
      (m) => {
        m['led.red'].kernel.led = 'a,b';
      },
      /plain name/,
    ],
  ];
  for (const [what, change, message] of cases) {
    const m = good();
    change(m);
    assert.throws(
      () => parsePinmap(m),
      (err) => isPochtaError(err, 'BAD_CONFIG') && message.test(err.message),
      what,
    );
  }
  assert.throws(
    () => loadPinmap('/nonexistent/pinmap.json'),
    (err) => isPochtaError(err, 'BAD_CONFIG'),
  );
});
