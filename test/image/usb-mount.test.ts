// USB backup drives on the image: the udev rule that names the unit, the unit,
// and the decisions of image/overlay/usr/local/lib/pochta/usb-mount (folder
// name from the label, options per filesystem). Mounting itself needs a kernel
// and a drive: the QEMU boot test plugs a FAT stick in (test/image/boot.test.ts).
//
// There is no udevadm here (and bookworm's has no `verify`), so the rule is
// checked by a small evaluator of the udev syntax it uses: every line must
// parse as KEY{attr}OP"value" pairs, every GOTO must reach its LABEL, and the
// rule must ask for the unit exactly for USB block devices with a supported
// filesystem.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const HELPER = join(ROOT, 'image/overlay/usr/local/lib/pochta/usb-mount');
const RULES = join(ROOT, 'image/overlay/etc/udev/rules.d/80-pochta-usb-mount.rules');
const UNIT = join(ROOT, 'image/systemd/pochta-usb-mount@.service');

interface Plan {
  readonly name: string;
  readonly type: string;
  readonly options: string[];
}

async function plan(env: Record<string, string>): Promise<Plan> {
  const { stdout } = await run('sh', [HELPER, 'plan'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', POCHTA_UID: '990', POCHTA_GID: '989', ...env },
  });
  const fields = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  return { name: fields['name']!, type: fields['type']!, options: fields['options']!.split(',') };
}

test('the mount folder comes from the label, made safe and lower case', async () => {
  const names: [string, string][] = [
    ['BACKUP', 'usb-backup'],
    ['My Backup!', 'usb-my-backup'],
    ['  --Office..Stick--  ', 'usb-office..stick'],
    ['Résumé 2024', 'usb-r-sum-2024'],
    ['../../etc', 'usb-etc'],
    ['a/b', 'usb-a-b'],
    ['$(reboot)', 'usb-reboot'],
    ['a_very_long_label_that_goes_on_and_on_forever', 'usb-a_very_long_label_that_goes_on_a'],
  ];
  for (const [label, name] of names) {
    const p = await plan({ ID_FS_TYPE: 'vfat', ID_FS_LABEL: label, ID_FS_UUID: '1A2B-3C4D', DEVNAME: '/dev/sda1' });
    assert.equal(p.name, name, `label ${JSON.stringify(label)}`);
    assert.match(p.name, /^usb-[a-z0-9._-]+$/);
  }
});

test("udev's encoded label is used: whitespace (\\x20) and other escaped characters become dashes", async () => {
  // What the blkid builtin reports for a FAT label "POCHTA BAK": the plain one has "_" for the space.
  const stick = { ID_FS_TYPE: 'vfat', ID_FS_LABEL: 'POCHTA_BAK', ID_FS_LABEL_ENC: 'POCHTA\\x20BAK' };
  assert.equal((await plan(stick)).name, 'usb-pochta-bak');
  assert.equal((await plan({ ID_FS_TYPE: 'exfat', ID_FS_LABEL_ENC: 'Office\\x2fNAS\\x27s' })).name, 'usb-office-nas-s');
  assert.equal((await plan({ ID_FS_TYPE: 'ext4', ID_FS_LABEL_ENC: 'Caf\u00e9\\x20Backup' })).name, 'usb-caf-backup');
  // Without the encoded one, the plain label as it is (underscores are kept).
  assert.equal((await plan({ ID_FS_TYPE: 'vfat', ID_FS_LABEL: 'POCHTA_BAK' })).name, 'usb-pochta_bak');
});

test('without a usable label the short id names the folder: FAT serial, first 8 of a UUID, else the device', async () => {
  assert.equal((await plan({ ID_FS_TYPE: 'vfat', ID_FS_UUID: '1A2B-3C4D', DEVNAME: '/dev/sda1' })).name, 'usb-1a2b-3c4d');
  assert.equal((await plan({ ID_FS_TYPE: 'exfat', ID_FS_LABEL: '!!!', ID_FS_UUID: '64A5-F009' })).name, 'usb-64a5-f009');
  const ext4 = await plan({ ID_FS_TYPE: 'ext4', ID_FS_UUID: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0', DEVNAME: '/dev/sdb1' });
  assert.equal(ext4.name, 'usb-0b1c2d3e');
  assert.equal((await plan({ ID_FS_TYPE: 'vfat', DEVNAME: '/dev/sdc' })).name, 'usb-sdc');
});

test('a second drive with a label already mounted gets its short id appended', async () => {
  const env = { ID_FS_TYPE: 'vfat', ID_FS_LABEL: 'BACKUP', ID_FS_UUID: '1A2B-3C4D' };
  assert.equal((await plan({ ...env, TAKEN: 'usb-other\nusb-backup' })).name, 'usb-backup-1a2b-3c4d');
  assert.equal((await plan({ ...env, TAKEN: 'usb-other' })).name, 'usb-backup');
});

test('vfat and exfat belong to pochta (uid/gid/umask); every drive nosuid,nodev,noexec and bound to its device', async () => {
  for (const type of ['vfat', 'exfat', 'ext4']) {
    const p = await plan({ ID_FS_TYPE: type, ID_FS_LABEL: 'X' });
    assert.equal(p.type, type);
    for (const o of ['nosuid', 'nodev', 'noexec', 'noatime', 'x-systemd.device-bound']) assert.ok(p.options.includes(o), `${type}: ${o}`);
    if (type === 'ext4') {
      // ext4 has owners of its own: no uid=, the helper gives pochta a folder (or the fresh drive).
      assert.equal(
        p.options.some((o) => /^(uid|gid|umask)=/.test(o)),
        false,
      );
    } else {
      for (const o of ['uid=990', 'gid=989', 'umask=0027']) assert.ok(p.options.includes(o), `${type}: ${o}`);
    }
  }
  assert.ok((await plan({ ID_FS_TYPE: 'vfat' })).options.includes('flush'), 'vfat writes back early (pulled drives)');
});

test('other filesystems are not mounted (exit 2, a reason on stderr)', async () => {
  for (const type of ['ntfs', 'btrfs', 'swap', '']) {
    const failed = await run('sh', [HELPER, 'plan'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', POCHTA_UID: '1', POCHTA_GID: '1', ID_FS_TYPE: type, DEVNAME: '/dev/sda1' },
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(failed, `${type || 'none'} refused`);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /is not mounted \(vfat, exfat and ext4 are\)/);
  }
});

// --- the udev rule, by a small evaluator of the syntax it uses -------------

interface Pair {
  readonly key: string;
  readonly attr?: string;
  readonly op: '==' | '!=' | '=' | '+=' | ':=';
  readonly value: string;
}

function parseRuleLine(line: string): Pair[] {
  const pairs: Pair[] = [];
  const re = /\s*([A-Z_]+)(?:\{([^}]+)\})?(==|!=|\+=|:=|=)"([^"]*)"\s*(,|$)/y;
  let at = 0;
  while (at < line.length) {
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) throw new Error(`does not parse at ${at}: ${line}`);
    pairs.push({ key: m[1]!, ...(m[2] ? { attr: m[2] } : {}), op: m[3] as Pair['op'], value: m[4]! });
    at = re.lastIndex;
    if (m[5] === '') break;
  }
  return pairs;
}

const KNOWN_KEYS = new Set(['ACTION', 'SUBSYSTEM', 'KERNEL', 'ENV', 'TAG', 'GOTO', 'LABEL', 'RUN']);

// udev's glob: alternatives with |, * and ? (all this rule uses).
function globMatch(pattern: string, value: string): boolean {
  return pattern.split('|').some((alt) => {
    const re = new RegExp(
      `^${alt
        .replace(/[.+^${}()[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return re.test(value);
  });
}

/** Runs the rules on one event; returns the resulting environment and tags. */
function evaluate(lines: Pair[][], event: Record<string, string>): { env: Record<string, string>; tags: string[] } {
  const env: Record<string, string> = { ...event };
  const tags: string[] = [];
  const subst = (v: string) => v.replace(/%k/g, env['KERNEL'] ?? '');
  for (let i = 0; i < lines.length; i++) {
    const pairs = lines[i]!;
    const label = pairs.find((p) => p.key === 'LABEL');
    if (label) continue;
    const matches = pairs
      .filter((p) => p.op === '==' || p.op === '!=')
      .every((p) => {
        const actual = p.key === 'ENV' ? (env[p.attr!] ?? '') : (env[p.key] ?? '');
        return globMatch(p.value, actual) === (p.op === '==');
      });
    if (!matches) continue;
    for (const p of pairs) {
      if (p.key === 'GOTO') {
        const target = lines.findIndex((l) => l.some((q) => q.key === 'LABEL' && q.value === p.value));
        assert.ok(target > i, `GOTO ${p.value} jumps forward to its LABEL`);
        i = target;
      } else if (p.key === 'TAG' && p.op === '+=') tags.push(p.value);
      else if (p.key === 'ENV' && p.op === '+=') env[p.attr!] = [env[p.attr!], subst(p.value)].filter(Boolean).join(' ');
      else if (p.key === 'ENV' && p.op === '=') env[p.attr!] = subst(p.value);
    }
  }
  return { env, tags };
}

async function ruleLines(): Promise<Pair[][]> {
  const text = await readFile(RULES, 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map(parseRuleLine);
}

test('the udev rule parses: known keys, quoted values, every GOTO has its LABEL', async () => {
  const lines = await ruleLines();
  assert.ok(lines.length >= 3);
  const labels = new Set(
    lines
      .flat()
      .filter((p) => p.key === 'LABEL')
      .map((p) => p.value),
  );
  for (const p of lines.flat()) {
    assert.ok(KNOWN_KEYS.has(p.key), `known key ${p.key}`);
    if (p.key === 'GOTO') assert.ok(labels.has(p.value), `GOTO ${p.value} has a LABEL`);
    if (p.key === 'ENV') assert.ok(p.attr, 'ENV names its property');
  }
});

test('the udev rule asks systemd for the unit only for USB block devices with vfat, exfat or ext4', async () => {
  const lines = await ruleLines();
  const stick = { ACTION: 'add', SUBSYSTEM: 'block', KERNEL: 'sda1', ID_BUS: 'usb', ID_FS_USAGE: 'filesystem', ID_FS_TYPE: 'vfat' };
  const wants = (event: Record<string, string>) => evaluate(lines, event).env['SYSTEMD_WANTS'];
  const plugged = evaluate(lines, stick);
  assert.equal(plugged.env['SYSTEMD_WANTS'], 'pochta-usb-mount@sda1.service');
  assert.ok(plugged.tags.includes('systemd'));
  assert.equal(wants({ ...stick, ID_FS_TYPE: 'exfat' }), 'pochta-usb-mount@sda1.service');
  assert.equal(wants({ ...stick, ID_FS_TYPE: 'ext4', KERNEL: 'sdb' }), 'pochta-usb-mount@sdb.service');
  assert.equal(wants({ ...stick, ACTION: 'change' }), 'pochta-usb-mount@sda1.service', 'a change (new filesystem) mounts too');
  assert.equal(wants({ ...stick, ACTION: 'remove' }), undefined, 'removal is the unit’s BindsTo=, not a rule');
  assert.equal(wants({ ...stick, ID_BUS: 'ata' }), undefined, 'not a USB drive');
  assert.equal(wants({ ...stick, KERNEL: 'mmcblk0p3', ID_BUS: '' }), undefined, 'the card itself');
  assert.equal(wants({ ...stick, ID_FS_TYPE: 'ntfs' }), undefined);
  assert.equal(wants({ ...stick, ID_FS_USAGE: 'raid' }), undefined);
  assert.equal(wants({ ...stick, SUBSYSTEM: 'usb' }), undefined);
});

test('the unit runs the helper for the device it is bound to', async () => {
  const unit = await readFile(UNIT, 'utf8');
  assert.match(unit, /^BindsTo=dev-%i\.device$/m);
  assert.match(unit, /^ExecStart=\/usr\/local\/lib\/pochta\/usb-mount add \/dev\/%I$/m);
  assert.match(unit, /^ExecStop=\/usr\/local\/lib\/pochta\/usb-mount remove \/dev\/%I$/m);
  assert.match(unit, /^RemainAfterExit=yes$/m);
  assert.doesNotMatch(unit, /^\[Install\]/m, 'only udev starts it');
});

test('the read-only root has tmpfs mount points under /media and /mnt, and the daemon may write there', async () => {
  const fstab = await readFile(join(ROOT, 'image/overlay/etc/fstab'), 'utf8');
  for (const dir of ['/media', '/mnt']) {
    const line = fstab.split('\n').find((l) => l.split(/\s+/)[1] === dir);
    assert.ok(line, `${dir} in fstab`);
    const [, , type, options] = line.split(/\s+/);
    assert.equal(type, 'tmpfs');
    for (const o of ['nosuid', 'nodev', 'noexec']) assert.ok(options!.split(',').includes(o), `${dir}: ${o}`);
  }
  const service = await readFile(join(ROOT, 'image/systemd/pochta.service'), 'utf8');
  assert.match(service, /^ReadWritePaths=.*-\/media\b.*-\/mnt\b/m);
});

test('the helper is plain POSIX sh', async () => {
  await run('sh', ['-n', HELPER]);
  const dash = await run('sh', ['-c', 'command -v dash']).then(
    () => true,
    () => false,
  );
  if (dash) await run('dash', ['-n', HELPER]);
});

test('ext4: a fresh drive is given to pochta whole, one with files gets a pochta folder, an existing folder is kept', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root: the decision looks at whether the top folder is root’s');
  const { mkdtemp, mkdir, rm, writeFile, chown } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const top = await mkdtemp(join(tmpdir(), 'pochta-ext4-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const decide = async () => (await run('sh', [HELPER, 'ext4-plan', top], { env: { ...process.env, POCHTA_UID: '990' } })).stdout.trim();
  await mkdir(join(top, 'lost+found'));
  assert.equal(await decide(), 'whole');
  await writeFile(join(top, 'photos.zip'), 'x');
  assert.equal(await decide(), 'folder');
  await mkdir(join(top, 'pochta'));
  assert.equal(await decide(), 'keep');
  await rm(join(top, 'photos.zip'));
  await rm(join(top, 'pochta'), { recursive: true });
  await chown(top, 1000, 1000);
  assert.equal(await decide(), 'folder', 'a drive someone else owns is not taken over');
  await writeFile(join(top, 'backup.tar'), 'x');
  await chown(top, 990, 990);
  assert.equal(await decide(), 'keep', 'a drive given to pochta at an earlier plug stays as it is');
});
