// The built SD-card image, booted in qemu-system-aarch64 (-M virt) with the
// kernel, initrd and cmdline from its own boot partition, user-mode networking
// forwarded to loopback ports only. Waits for the SMTP and IMAP greetings and
// /health, checks what first boot did (SSH key from the boot partition,
// hostname, grown data partition, read-only root), delivers a message with
// swaks and reads it back over IMAP; then applies a signed update bundle and a
// deliberately broken one (which must roll back by itself), and one the way
// the web UI asks for it (request.json picked up by pochta-update.path); checks
// the front-panel overlays on the boot partition; plugs a FAT stick in over
// USB (mounted for backups, writable by the daemon), pulls it and plugs it
// back; and powers off.
//
// Slow (minutes under emulation), so not part of `npm test`: run it with
// `npm run test:image` after `./build-image.sh` (as root). POCHTA_IMAGE picks an
// image (default out/pochta-latest.img); POCHTA_IMAGE_CACHE the build cache
// holding the signing key (default /var/cache/pochta-image).

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { freePorts } from '../support/daemon.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const IMAGE = process.env['POCHTA_IMAGE'] ?? join(ROOT, 'out', 'pochta-latest.img');
const CACHE = process.env['POCHTA_IMAGE_CACHE'] ?? '/var/cache/pochta-image';
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const enabled = process.env['POCHTA_IMAGE_TEST'] === '1';
const BOOT_TIMEOUT_MS = Number(process.env['POCHTA_BOOT_TIMEOUT_S'] ?? 600) * 1000;
const skip = !enabled
  ? 'the QEMU image test runs with `npm run test:image` (needs a built image)'
  : !existsSync(IMAGE)
    ? `no image at ${IMAGE}: run ./build-image.sh first`
    : false;

const GUEST_PORTS = { ssh: 22, smtp: 25, imap: 143, imaps: 993, web: 443 } as const;
type Forwarded = keyof typeof GUEST_PORTS;

let dir: string;
let qemu: ChildProcess | undefined;
let ports: Record<Forwarded, number>;
let sshKey: string;
let bootStarted = 0;
let consoleLog: string;
let monitorSocket: string;
let stickImage: string;
const STICK_MOUNT = '/media/usb-pochta-bak'; // label "POCHTA BAK", as usb-mount names it
const user = 'alice@pochta.test';
const password = 'correct horse battery staple 7';

function log(line: string): void {
  process.stderr.write(`[image test ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function partitionStarts(img: string): Promise<number[]> {
  const { stdout } = await run('sfdisk', ['-J', img]);
  const table = JSON.parse(stdout) as { partitiontable: { sectorsize?: number; partitions: { start: number }[] } };
  const sector = table.partitiontable.sectorsize ?? 512;
  return table.partitiontable.partitions.map((p) => p.start * sector);
}

const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

async function ssh(command: string, timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run(
    'ssh',
    [
      ...['-i', sshKey, '-p', String(ports.ssh), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
      ...['-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20', '-o', 'BatchMode=yes', 'admin@127.0.0.1', command],
    ],
    { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** Connects and reads the first line; resolves with it, or '' when nothing came. */
function firstLine(port: number, timeoutMs = 8000): Promise<string> {
  return new Promise((resolveLine) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (line: string) => {
      socket.destroy();
      resolveLine(line);
    };
    socket.setTimeout(timeoutMs, () => done(''));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const nl = data.indexOf('\n');
      if (nl >= 0) done(data.slice(0, nl).trim());
    });
    socket.on('error', () => done(''));
    socket.on('close', () => done(data.trim()));
  });
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = httpsGet(`https://127.0.0.1:${port}/health`, { rejectUnauthorized: false, timeout: 8000 }, (res) => {
      res.resume();
      res.on('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveStatus(0));
  });
}

async function until<T>(what: string, deadline: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; console log: ${consoleLog}`);
    if (qemu?.exitCode !== null && qemu?.exitCode !== undefined)
      throw new Error(`qemu exited (${qemu.exitCode}) while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Sends one command to QEMU's human monitor and returns what it printed within a second. */
function monitor(command: string): Promise<string> {
  return new Promise((resolveOut, reject) => {
    const socket = connect(monitorSocket);
    let out = '';
    socket.on('data', (chunk) => {
      out += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`${command}\n`);
      setTimeout(() => {
        socket.end();
        resolveOut(out);
      }, 1000);
    });
  });
}

/** The stick's mount as the guest's findmnt shows it ("TARGET FSTYPE OPTIONS"), or '' when none. */
async function stickMount(): Promise<string> {
  return (await ssh(`findmnt -rn -o TARGET,FSTYPE,OPTIONS ${STICK_MOUNT} || true`)).trim();
}

/** The image's own release, re-signed under a new name (and optionally broken), as build-image.sh --bundle would. */
async function makeBundle(version: string, breakIt: boolean): Promise<string> {
  const img = join(dir, 'disk.img');
  const tree = join(dir, `tree-${version}`);
  const starts = await partitionStarts(img);
  // The first release sits on the data partition; debugfs reads it without mounting.
  await run('mkdir', ['-p', tree]);
  const dataOffset = starts[2]!;
  const dataImg = join(dir, 'data-part.img');
  if (!existsSync(dataImg)) await run('dd', [`if=${IMAGE}`, `of=${dataImg}`, 'bs=1M', `skip=${dataOffset / 1048576}`, 'status=none']);
  const { stdout: current } = await run('debugfs', ['-R', 'stat /opt/current', dataImg]);
  const target = /Fast link dest: "(.*)"/.exec(current)?.[1];
  assert.ok(target, 'the data partition has /opt/current');
  await run('debugfs', ['-R', `rdump /opt/${target} ${tree}`, dataImg]);
  const releaseDir = join(tree, target.split('/').pop()!);
  const info = JSON.parse(await readFile(join(releaseDir, 'release.json'), 'utf8')) as Record<string, string>;
  await writeFile(join(releaseDir, 'release.json'), JSON.stringify({ ...info, version }));
  if (breakIt) {
    // Starts and exits at once: systemd keeps restarting it, health never comes.
    await writeFile(join(releaseDir, 'app', 'dist', 'firmware', 'main.js'), 'export async function main() { process.exit(3); }\n');
  }
  const out = join(dir, `${version}.bundle`);
  await run(NODE, [join(ROOT, 'image/tools/make-bundle.ts'), releaseDir, out, join(CACHE, 'signing', 'update-key.pem')], {
    env: { ...process.env, TMPDIR: dir },
    maxBuffer: 4 * 1024 * 1024,
  });
  return out;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(process.env['POCHTA_IMAGE_TMP'] ?? tmpdir(), 'pochta-image-test-'));
  consoleLog = join(dir, 'console.log');
  const img = join(dir, 'disk.img');
  log(`copying ${IMAGE}`);
  await run('cp', ['--sparse=always', IMAGE, img]);
  // A bigger "card", so first boot has a data partition to grow.
  await run('truncate', ['-s', '+1G', img]);
  const [bootOffset, rootOffset] = await partitionStarts(img);
  const bootPart = `${img}@@${bootOffset}`;
  // Emulation only: the unit's 120 s start limit is too short for Node under TCG
  // on a loaded host, so this copy (never the image) gets a runtime drop-in,
  // written into its root filesystem with debugfs (no mount needed).
  const rootPart = join(dir, 'root-part.img');
  await run('dd', [`if=${img}`, `of=${rootPart}`, 'bs=1M', `skip=${rootOffset! / 1048576}`, 'conv=sparse', 'status=none']);
  const dropIn = join(dir, 'qemu.conf');
  await writeFile(dropIn, '[Service]\nTimeoutStartSec=900\n');
  await run('debugfs', ['-w', '-R', 'write ' + dropIn + ' /etc/systemd/system/pochta.service.d/qemu.conf', rootPart]);
  await run('dd', [`if=${rootPart}`, `of=${img}`, 'bs=1M', `seek=${rootOffset! / 1048576}`, 'conv=notrunc,sparse', 'status=none']);
  await rm(rootPart);
  // The maintenance key goes on the boot partition, as an office would put it there.
  sshKey = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', sshKey]);
  await run('mcopy', ['-i', bootPart, `${sshKey}.pub`, '::authorized_keys'], { env: mtoolsEnv });
  for (const name of ['cmdline.txt']) await run('mcopy', ['-i', bootPart, `::${name}`, join(dir, name)], { env: mtoolsEnv });
  const { stdout: listing } = await run('mdir', ['-b', '-i', bootPart, '::'], { env: mtoolsEnv });
  const pick = (prefix: string) =>
    listing
      .split('\n')
      .map((l) => l.trim().replace(/^::\/?/, ''))
      .find((n) => n.startsWith(prefix));
  const kernel = pick('vmlinuz-');
  const initrd = pick('initrd.img-');
  assert.ok(kernel && initrd, `kernel and initrd on the boot partition: ${listing}`);
  await run('mcopy', ['-i', bootPart, `::${kernel}`, join(dir, 'vmlinuz')], { env: mtoolsEnv });
  await run('mcopy', ['-i', bootPart, `::${initrd}`, join(dir, 'initrd')], { env: mtoolsEnv });
  const cmdline = (await readFile(join(dir, 'cmdline.txt'), 'utf8'))
    .trim()
    .split(/\s+/)
    .filter((w) => !w.startsWith('console='))
    .concat('console=ttyAMA0')
    // Emulated arm64 is 10-30x slower than a Pi: Node alone takes ~40 s to start
    // here, so the supervisor's start and hang limits are widened for this run
    // (the image keeps its defaults). systemd hands this to every service.
    .concat(`systemd.setenv=POCHTA_TIMINGS=${process.env['POCHTA_QEMU_TIMINGS'] ?? 'start-timeout=400000,hang=120000,probe-timeout=60000'}`)
    .join(' ');
  log(`kernel ${kernel}, cmdline: ${cmdline}`);

  // A USB stick with a FAT filesystem and no partition table, as many are.
  stickImage = join(dir, 'stick.img');
  await run('mkfs.vfat', ['-C', '-n', 'POCHTA BAK', stickImage, '32768']);
  monitorSocket = join(dir, 'monitor.sock');

  const picked = await freePorts(5);
  ports = { ssh: picked[0]!, smtp: picked[1]!, imap: picked[2]!, imaps: picked[3]!, web: picked[4]! };
  const fwd = (Object.keys(GUEST_PORTS) as Forwarded[]).map((k) => `hostfwd=tcp:127.0.0.1:${ports[k]}-:${GUEST_PORTS[k]}`).join(',');
  const args = [
    ...['-M', 'virt', '-cpu', 'cortex-a72', '-smp', '2', '-m', '1536', '-nographic', '-no-reboot'],
    ...['-kernel', join(dir, 'vmlinuz'), '-initrd', join(dir, 'initrd'), '-append', cmdline],
    ...['-drive', `file=${img},format=raw,if=virtio,cache=unsafe`],
    // restrict=on: the guest reaches nothing outside; only the forwards come in.
    ...['-netdev', `user,id=n0,restrict=on,${fwd}`, '-device', 'virtio-net-pci,netdev=n0,romfile='], // no PXE ROM: the kernel is given directly,
    ...['-device', 'virtio-rng-pci'],
    // The USB stick on an xHCI controller; the monitor socket pulls and plugs it.
    ...['-device', 'qemu-xhci,id=xhci', '-drive', `if=none,id=stick0,file=${stickImage},format=raw,cache=writethrough`],
    ...['-device', 'usb-storage,bus=xhci.0,drive=stick0,id=stickdev0'],
    ...['-monitor', `unix:${monitorSocket},server=on,wait=off`],
  ];
  const logStream = createWriteStream(consoleLog);
  bootStarted = Date.now();
  qemu = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  qemu.stdout?.pipe(logStream);
  qemu.stderr?.pipe(logStream);
  log(`qemu started (pid ${qemu.pid}); console: ${consoleLog}`);
});

after(async () => {
  if (skip) return;
  if (qemu && qemu.exitCode === null) {
    qemu.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    if (qemu.exitCode === null) qemu.kill('SIGKILL');
  }
  if (process.env['POCHTA_IMAGE_KEEP'] === '1') log(`kept ${dir}`);
  else if (dir) await rm(dir, { recursive: true, force: true });
});

test('the image boots and serves SMTP, IMAP and /health', { skip }, async () => {
  const deadline = bootStarted + BOOT_TIMEOUT_MS;
  const smtp = await until('the SMTP greeting', deadline, async () => {
    const line = await firstLine(ports.smtp);
    return line.startsWith('220') ? line : undefined;
  });
  const imap = await until('the IMAP greeting', deadline, async () => {
    const line = await firstLine(ports.imap);
    return line.startsWith('* OK') ? line : undefined;
  });
  await until('/health 200', deadline, async () => ((await healthStatus(ports.web)) === 200 ? true : undefined));
  const seconds = ((Date.now() - bootStarted) / 1000).toFixed(1);
  log(`boot to ready: ${seconds} s (SMTP "${smtp}", IMAP "${imap}", /health 200)`);
  process.stdout.write(`boot-to-ready under QEMU: ${seconds} s\n`);
});

test('first boot: maintenance key from the boot partition, hostname, grown data partition, read-only root', { skip }, async () => {
  const deadline = Date.now() + 180_000;
  await until('SSH with the key from the boot partition', deadline, async () =>
    ssh('true', 30_000).then(
      () => true,
      () => undefined,
    ),
  );
  const facts = await ssh(
    'hostname; findmnt -no OPTIONS /; df -BM --output=size /data | tail -1; ls /etc/ssh/ssh_host_ed25519_key; ' +
      'sudo test -e /boot/firmware/authorized_keys && echo keys-left || echo keys-taken; sudo grep -c Pochta /boot/firmware/config.txt; ' +
      'systemctl is-active unbound avahi-daemon ssh systemd-timesyncd pochta; readlink /opt/pochta/current',
  );
  log(`first boot facts:\n${facts}`);
  const lines = facts.trim().split('\n');
  assert.match(lines[0]!, /^pochta-[0-9a-f]{4}$/);
  assert.match(lines[1]!, /(^|,)ro(,|$)/);
  assert.ok(Number.parseInt(lines[2]!, 10) > 1024, `data partition grew: ${lines[2]}`);
  assert.equal(lines[3], '/etc/ssh/ssh_host_ed25519_key');
  assert.equal(lines[4], 'keys-taken');
  assert.ok(Number(lines[5]) >= 1, 'config.txt carries the front panel lines');
  assert.deepEqual(lines.slice(6, 11), ['active', 'active', 'active', 'active', 'active']);
});

test('a message delivered with swaks is read back over IMAP', { skip }, async () => {
  await ssh(`sudo pochta domain add pochta.test && printf '%s\\n' '${password}' | sudo pochta user add ${user}`);
  const { stdout } = await run(
    'swaks',
    [
      ...['--server', '127.0.0.1', '--port', String(ports.smtp), '--to', user, '--from', 'bob@example.org'],
      ...['--header', 'Subject: hello from the image test', '--body', 'It boots, it delivers.', '--timeout', '120'],
    ],
    { timeout: 180_000 },
  );
  assert.match(stdout, /<- {2}250 /, stdout);
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: ports.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const msg = await client.fetchOne('*', { source: true, envelope: true });
      assert.ok(msg);
      assert.equal(msg.envelope?.subject, 'hello from the image test');
      assert.match(msg.source?.toString() ?? '', /It boots, it delivers\./);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
});

test('a signed update applies; a broken one rolls back by itself', { skip }, async () => {
  const before = (await ssh('readlink /opt/pochta/current')).trim().split('/').pop()!;
  const good = await makeBundle(`${before}-update1`, false);
  const broken = await makeBundle(`${before}-broken`, true);
  const scp = (file: string) =>
    run('scp', [
      ...[
        '-i',
        sshKey,
        '-P',
        String(ports.ssh),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
      ],
      ...[file, 'admin@127.0.0.1:'],
    ]);
  await scp(good);
  await scp(broken);
  const started = Date.now();
  const updated = await ssh(`sudo pochta update --timeout 300 ${good.split('/').pop()} 2>&1`, 600_000);
  log(`update (${((Date.now() - started) / 1000).toFixed(0)} s):\n${updated}`);
  assert.match(updated, /updated to .*-update1/);
  assert.equal((await ssh('readlink /opt/pochta/current')).trim(), `releases/${before}-update1`);
  // A deliberately broken release: the update tool must come back to update1 on its own.
  const failed = await ssh(`sudo pochta update --timeout 90 ${broken.split('/').pop()} 2>&1; echo "exit=$?"`, 600_000);
  log(`broken update:\n${failed}`);
  assert.match(failed, /FAILED its health check/);
  assert.match(failed, /exit=1/);
  assert.equal((await ssh('readlink /opt/pochta/current')).trim(), `releases/${before}-update1`);
  assert.equal((await ssh('ls /opt/pochta/releases')).trim().split('\n').includes(`${before}-broken`), false);
  // Mail survived both.
  assert.match(await ssh(`sudo pochta user show ${user}`), /alice@pochta\.test/);
  const back = await ssh('sudo pochta update --rollback 2>&1', 600_000);
  assert.match(back, new RegExp(`now running ${before.replace(/[.+]/g, '\\$&')} `));
});

test('an update the web UI asks for is applied by the root unit (pochta-update.path)', { skip }, async () => {
  const before = (await ssh('readlink /opt/pochta/current')).trim().split('/').pop()!;
  const bundle = await makeBundle(`${before}-web`, false);
  await run('scp', [
    ...['-i', sshKey, '-P', String(ports.ssh), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
    ...['-o', 'LogLevel=ERROR', bundle, 'admin@127.0.0.1:web.bundle'],
  ]);
  // Emulation is slow: a runtime drop-in gives the unit's health wait more time (the image keeps 180 s).
  await ssh(
    'sudo mkdir -p /run/systemd/system/pochta-update.service.d && ' +
      "printf '[Service]\\nExecStart=\\nExecStart=/usr/local/bin/pochta update --timeout 400 --request /var/lib/pochta/update\\n' | " +
      'sudo tee /run/systemd/system/pochta-update.service.d/test.conf >/dev/null && sudo systemctl daemon-reload',
  );
  // What the web UI does, as the daemon's user: the bundle into incoming/, then request.json, both temp-then-rename.
  const dirFacts = await ssh(
    'systemctl is-enabled pochta-update.path; systemctl is-active pochta-update.path; sudo stat -c %U:%a /var/lib/pochta/update',
  );
  assert.deepEqual(dirFacts.trim().split('\n'), ['enabled', 'active', 'pochta:750']);
  const target = '/var/lib/pochta/update/incoming/1764284400000.bundle';
  const started = Date.now();
  await ssh(
    `sudo install -o pochta -g pochta -m 0640 ~/web.bundle /var/lib/pochta/update/incoming/.upload && sudo -u pochta mv /var/lib/pochta/update/incoming/.upload ${target} && ` +
      `echo '{"bundle":"${target}","requestedAt":"${new Date().toISOString()}"}' | sudo -u pochta tee /var/lib/pochta/update/.request >/dev/null && ` +
      'sudo -u pochta mv /var/lib/pochta/update/.request /var/lib/pochta/update/request.json',
  );
  const states: string[] = [];
  const status = await until('status.json to settle', Date.now() + 900_000, async () => {
    const text = await ssh('sudo -u pochta cat /var/lib/pochta/update/status.json 2>/dev/null || true').catch(() => '');
    if (!text.trim()) return undefined;
    const s = JSON.parse(text) as { state: string; message: string; version?: string };
    if (states.at(-1) !== s.state) states.push(s.state);
    return ['installed', 'rolled-back', 'failed'].includes(s.state) ? s : undefined;
  });
  log(`web UI update (${((Date.now() - started) / 1000).toFixed(0)} s, states ${states.join(' -> ')}): ${status.message}`);
  assert.equal(status.state, 'installed', status.message);
  assert.equal(status.version, `${before}-web`);
  assert.equal((await ssh('readlink /opt/pochta/current')).trim(), `releases/${before}-web`);
  assert.equal((await ssh(`sudo test -e ${target} && echo left || echo deleted`)).trim(), 'deleted');
  const left = (await ssh('sudo ls -A /var/lib/pochta/update')).trim().split('\n');
  assert.ok(!left.includes('request.json') && !left.includes('request.claimed.json'), left.join(' '));
  assert.match(await ssh(`sudo pochta user show ${user}`), /alice@pochta\.test/);
});

test('the front-panel overlays are on the boot partition and named in config.txt', { skip }, async () => {
  const facts = await ssh('sudo ls /boot/firmware/overlays; sudo grep -E "dtoverlay=pochta" /boot/firmware/config.txt');
  assert.deepEqual(facts.trim().split('\n').sort(), [
    '#dtoverlay=pochta-button',
    '#dtoverlay=pochta-leds',
    'pochta-button.dtbo',
    'pochta-leds.dtbo',
  ]);
});

test('a USB stick is mounted for backups, writable by the daemon, and gone when pulled', { skip }, async () => {
  const mounted = await until('the stick mounted at boot', Date.now() + 180_000, async () => (await stickMount()) || undefined);
  log(`stick: ${mounted}`);
  const [target, fsType, options] = mounted.split(' ');
  assert.equal(target, STICK_MOUNT);
  assert.equal(fsType, 'vfat');
  const opts = options!.split(',');
  // The kernel shows umask=0027 as fmask and dmask.
  for (const o of ['nosuid', 'nodev', 'noexec', 'fmask=0027', 'dmask=0027']) assert.ok(opts.includes(o), `option ${o} in ${options}`);
  const [uid, gid] = (await ssh('id -u pochta; id -g pochta')).trim().split('\n');
  assert.ok(opts.includes(`uid=${uid}`) && opts.includes(`gid=${gid}`), `owned by pochta: ${options}`);
  // As the daemon sees it: inside pochta.service's own mount namespace
  // (ProtectSystem=strict), as user pochta.
  const pid = (await ssh('systemctl show -p MainPID --value pochta')).trim();
  assert.match(pid, /^[1-9]\d*$/);
  const wrote = await ssh(
    `sudo nsenter -t ${pid} -m -S ${uid} -G ${gid} sh -c 'mkdir -p ${STICK_MOUNT}/pochta && echo from-the-box > ${STICK_MOUNT}/pochta/probe && cat ${STICK_MOUNT}/pochta/probe' && sync`,
  );
  assert.equal(wrote.trim(), 'from-the-box');
  assert.equal((await ssh('systemctl is-active pochta-usb-mount@sda.service')).trim(), 'active');

  // Pulled without unmounting: no stale mount, no folder left to back up into.
  log(`pulling the stick: ${(await monitor('device_del stickdev0')).trim().split('\n').pop()}`);
  await until('the stick unmounted after the pull', Date.now() + 120_000, async () =>
    (await stickMount()) === '' && (await ssh(`test -e ${STICK_MOUNT} && echo left || echo gone`)).trim() === 'gone' ? true : undefined,
  );
  assert.notEqual((await ssh('systemctl is-active pochta-usb-mount@sda.service || true')).trim(), 'active');
  // What the box wrote reached the stick itself.
  const { stdout: onStick } = await run('mtype', ['-i', stickImage, '::pochta/probe'], { env: mtoolsEnv });
  assert.equal(onStick.trim(), 'from-the-box');

  // Plugged in again while the box runs: mounted again, the file still there.
  await monitor(`drive_add 0 if=none,id=stick1,file=${stickImage},format=raw,cache=writethrough`);
  await monitor('device_add usb-storage,bus=xhci.0,drive=stick1,id=stickdev1');
  await until('the stick mounted again after plugging it in', Date.now() + 120_000, async () => (await stickMount()) || undefined);
  // A mount made after the daemon started reaches its namespace (ReadWritePaths=-/media), writable.
  const again = await ssh(
    `sudo nsenter -t ${pid} -m -S ${uid} -G ${gid} sh -c 'cat ${STICK_MOUNT}/pochta/probe && touch ${STICK_MOUNT}/pochta/probe2 && echo wrote'`,
  );
  assert.deepEqual(again.trim().split('\n'), ['from-the-box', 'wrote']);
});

test('the box powers off cleanly', { skip }, async () => {
  await ssh('sudo systemctl poweroff', 30_000).catch(() => {});
  const code = await new Promise<number | null>((resolveExit) => {
    if (qemu?.exitCode !== null && qemu?.exitCode !== undefined) return resolveExit(qemu.exitCode);
    const timer = setTimeout(() => resolveExit(-1), 180_000);
    qemu?.on('exit', (c) => {
      clearTimeout(timer);
      resolveExit(c);
    });
  });
  assert.equal(code, 0, 'qemu exits once the guest powered off');
});
