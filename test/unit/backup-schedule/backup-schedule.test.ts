// The backup schedule's rules (validation, when a run is due, with a fake
// clock), the drive detection against a mount table the test writes, and one
// run into a temp folder from a real store on disk: whole file or none, old
// ones pruned, a run cut short leaves no backup behind.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTar } from '../../../firmware/admin/tar.ts';
import {
  type BackupLastRuns,
  type BackupRun,
  type BackupSchedule,
  checkBackupTarget,
  createBackupScheduler,
  listBackupTargets,
  nextBackupDue,
  parseBackupSchedule,
  RETRY_AFTER_FAILURE_MS,
  readMounts,
  runBackup,
} from '../../../firmware/backup-schedule/index.ts';
import { isPochtaError } from '../../../firmware/errors.ts';
import { openStore } from '../../../firmware/store/index.ts';
import type { MailStore } from '../../../firmware/store/types.ts';
import { manualTimers } from '../../support/manual-timers.ts';

const HOUR = 3_600_000;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(isPochtaError(err), String(err));
    return /^([\w.]+):/.exec(err.detail)?.[1];
  }
  assert.fail('expected a refusal');
}

describe('backup schedule rules', () => {
  it('checks every field and names the one at fault', () => {
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: 'usb', everyHours: 6 }, 0)),
      'target',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/../etc', everyHours: 6 }, 0)),
      'target',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb' }, 0)),
      'everyHours',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb', everyHours: 6, dailyAt: '02:00' }, 0)),
      'everyHours',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb', everyHours: 0 }, 0)),
      'everyHours',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb', dailyAt: '25:00' }, 0)),
      'dailyAt',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb', dailyAt: '2:30', keep: 0 }, 0)),
      'keep',
    );
    assert.equal(
      fieldOf(() => parseBackupSchedule({ target: '/media/usb', dailyAt: '2:30', colour: 'red' }, 0)),
      'colour',
    );
    const ok = parseBackupSchedule({ target: '/media/usb/pochta/', dailyAt: '2:30' }, 5);
    assert.deepEqual(ok, { enabled: true, target: '/media/usb/pochta', dailyAt: '02:30', keep: 7, savedAt: 5 });
  });

  it('is due right away when never run (every N hours), then N hours after the last start', () => {
    const s = parseBackupSchedule({ target: '/mnt/nas', everyHours: 6 }, 1000);
    const now = Date.UTC(2026, 10, 27, 12);
    assert.equal(nextBackupDue(s, undefined, now), now);
    assert.equal(nextBackupDue(s, now - HOUR, now), now + 5 * HOUR);
    // A last run "in the future" (the clock was wrong before NTP): count from now, do not stop for days.
    assert.equal(nextBackupDue(s, now + 100 * HOUR, now), now + 6 * HOUR);
    assert.equal(nextBackupDue({ ...s, enabled: false }, undefined, now), undefined);
  });

  it('daily at HH:MM: the next such time after the last run (local time); a box that was off catches up', () => {
    const saved = new Date(2026, 10, 27, 10, 0).getTime();
    const s = parseBackupSchedule({ target: '/mnt/nas', dailyAt: '02:30' }, saved);
    assert.equal(nextBackupDue(s, undefined, saved), new Date(2026, 10, 28, 2, 30).getTime());
    const ranAt = new Date(2026, 10, 28, 2, 30).getTime();
    assert.equal(nextBackupDue(s, ranAt, ranAt + 1000), new Date(2026, 10, 29, 2, 30).getTime());
    // Off for two days: the due time is in the past, so the next tick runs it.
    assert.ok(nextBackupDue(s, ranAt, ranAt + 3 * 24 * HOUR)! < ranAt + 3 * 24 * HOUR);
  });
});

describe('backup targets and runs', () => {
  let dir: string;
  let store: MailStore;
  let mounts: string;
  let media: string;
  let usb: string;
  let dataDir: string;
  let clock = Date.UTC(2026, 10, 27, 22, 0, 0);

  const writeMounts = async (withUsb: boolean) => {
    const lines = ['/dev/root / ext4 rw,noatime 0 0', 'proc /proc proc rw 0 0'];
    if (withUsb) lines.push(`/dev/sda1 ${usb.replaceAll(' ', '\\040')} vfat rw,relatime 0 0`);
    lines.push(`/dev/sdb1 ${join(media, 'ro-stick')} vfat ro 0 0`);
    lines.push(`tmpfs ${join(dir, 'run')} tmpfs rw,nosuid 0 0`);
    await writeFile(mounts, `${lines.join('\n')}\n`);
  };
  const paths = () => ({ mountsFile: mounts, roots: [media] });
  const runDeps = (overrides: Partial<Parameters<typeof runBackup>[3]> = {}) => ({
    snapshot: async (d: string) => {
      await store.backup(d);
    },
    workDir: join(dataDir, 'web-tmp'),
    hostname: 'mail.example.test',
    now: () => clock,
    check: (t: string) => checkBackupTarget(t, { paths: paths(), dataDir, create: true }),
    ...overrides,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-backup-sched-'));
    dataDir = join(dir, 'data');
    media = join(dir, 'media');
    usb = join(media, 'usb stick');
    mounts = join(dir, 'mounts');
    await mkdir(usb, { recursive: true });
    await mkdir(join(media, 'ro-stick'), { recursive: true });
    store = await openStore({ dir: join(dataDir, 'store') });
    await store.addDomain('example.test');
    await writeMounts(true);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the mount table (escaped spaces) and offers writable drives under the roots', async () => {
    const table = await readMounts(mounts);
    assert.ok(table.some((m) => m.mountPoint === usb && m.fsType === 'vfat'));
    const found = await listBackupTargets(paths());
    assert.deepEqual(
      found.map((c) => c.path),
      [usb],
      'the read-only stick is not offered',
    );
    assert.ok((found[0]!.freeBytes ?? 0) > 0);
    assert.deepEqual(await listBackupTargets({ mountsFile: join(dir, 'no-such-file'), roots: [media] }), []);
  });

  it('a folder is present only on a mounted drive that is not the data disk', async () => {
    const onDrive = await checkBackupTarget(join(usb, 'pochta'), { paths: paths(), dataDir });
    assert.equal(onDrive.present, true);
    assert.equal(onDrive.drive?.mountPoint, usb);
    assert.match(onDrive.reason ?? '', /will be made/);
    const sameDisk = await checkBackupTarget(join(dir, 'elsewhere'), { paths: paths(), dataDir });
    assert.equal(sameDisk.present, false);
    assert.match(sameDisk.reason!, /Not present/);
    const devOk = await checkBackupTarget(dir, { paths: paths(), dataDir, allowSameDisk: true });
    assert.equal(devOk.present, true);
    const ro = await checkBackupTarget(join(media, 'ro-stick'), { paths: paths(), dataDir });
    assert.equal(ro.present, false);
    assert.match(ro.reason!, /read-only/);
    const ram = await checkBackupTarget(join(dir, 'run', 'x'), { paths: paths(), dataDir });
    assert.equal(ram.present, false, 'a memory file system is no backup drive');
    assert.match(ram.reason!, /tmpfs/);
  });

  it('writes a whole dated tar, removes a leftover partial, keeps the newest K', async () => {
    const target = join(usb, 'pochta');
    await mkdir(target, { recursive: true });
    // A run cut short earlier (power cut): its temporary file is not a backup and goes.
    await writeFile(join(target, '.pochta-backup-mail.example.test-20260101-000000Z.tar.partial'), 'half');
    // Another box's backups on the same share are never pruned by this one.
    await writeFile(join(target, 'pochta-backup-other.example.test-20200101-000000Z.tar'), 'theirs');
    const runs: BackupRun[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await runBackup(target, 2, 'schedule', runDeps()));
      clock += 6 * HOUR;
    }
    for (const r of runs) assert.equal(r.ok, true, r.error);
    const names = (await readdir(target)).sort();
    assert.deepEqual(names, [
      'pochta-backup-mail.example.test-20261128-040000Z.tar',
      'pochta-backup-mail.example.test-20261128-100000Z.tar',
      'pochta-backup-other.example.test-20200101-000000Z.tar',
    ]);
    assert.deepEqual(runs[2]!.pruned, ['pochta-backup-mail.example.test-20261127-220000Z.tar']);
    const last = runs[2]!;
    assert.equal(last.bytes, (await stat(last.file!)).size);
    const entries = await readTar(last.file!);
    assert.ok(entries.some((e) => e.name.startsWith('db/')));
    assert.deepEqual(await readdir(join(dataDir, 'web-tmp')), [], 'the snapshot is removed');
  });

  it('a failing snapshot leaves neither a backup nor a temporary file', async () => {
    const target = join(usb, 'fails');
    const run = await runBackup(
      target,
      3,
      'now',
      runDeps({
        snapshot: async () => {
          throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        },
      }),
    );
    assert.equal(run.ok, false);
    assert.match(run.error!, /full/);
    assert.deepEqual(await readdir(target), []);
  });

  it('the drive unplugged: the run fails saying so and writes nothing on the card', async () => {
    const target = join(usb, 'pochta');
    const existing = await readdir(target);
    await writeMounts(false);
    try {
      const run = await runBackup(target, 2, 'schedule', runDeps());
      assert.equal(run.ok, false);
      assert.match(run.error!, /Not present/);
      assert.deepEqual(await readdir(target), existing);
    } finally {
      await writeMounts(true);
    }
  });

  it('the scheduler: due runs on a tick, one at a time, a failure retried within the hour, records each run', async () => {
    let now = Date.UTC(2026, 10, 27, 12);
    const schedule: BackupSchedule = parseBackupSchedule({ target: '/mnt/x', everyHours: 24 }, now);
    let runs: BackupLastRuns = {};
    const started: BackupRun['trigger'][] = [];
    let outcome = true;
    let release: (() => void) | undefined;
    const timers = manualTimers();
    const scheduler = createBackupScheduler({
      now: () => now,
      setTimer: timers.setTimer,
      load: async () => ({ schedule, runs }),
      record: async (run) => {
        runs = { last: run, ...(run.ok ? { lastOk: run } : runs.lastOk ? { lastOk: runs.lastOk } : {}) };
      },
      run: async (_s, trigger) => {
        started.push(trigger);
        if (release === undefined) await new Promise<void>((r) => (release = r));
        return { startedAt: now, finishedAt: now, ok: outcome, trigger, ...(outcome ? {} : { error: 'gone' }) };
      },
    });
    // Never run: due now. A "back up now" during the run joins it instead of starting another.
    const first = scheduler.tick();
    await new Promise((r) => setImmediate(r));
    assert.equal(scheduler.runningSince(), now);
    const joined = scheduler.runNow();
    release!();
    assert.equal((await first)?.ok, true);
    assert.equal(await joined, await first);
    assert.deepEqual(started, ['schedule']);
    assert.equal(await scheduler.tick(), undefined, 'not due again yet');
    now += 24 * HOUR;
    outcome = false;
    assert.equal((await scheduler.tick())?.ok, false);
    assert.equal(runs.lastOk?.ok, true, 'the last good run is kept');
    assert.equal(scheduler.nextDue(schedule, runs), now + RETRY_AFTER_FAILURE_MS);
    now += RETRY_AFTER_FAILURE_MS;
    outcome = true;
    assert.equal((await scheduler.tick())?.ok, true);
    // A run that throws (the daemon went away) is a failed run, recorded; nothing is left running.
    now += 24 * HOUR;
    const throwing = createBackupScheduler({
      now: () => now,
      setTimer: timers.setTimer,
      load: async () => ({ schedule, runs: {} }),
      record: async (run) => {
        runs = { last: run };
      },
      run: async () => {
        throw new Error('admin socket closed');
      },
    });
    const failed = await throwing.runNow();
    assert.equal(failed.ok, false);
    assert.match(failed.error!, /admin socket closed/);
    assert.equal(runs.last, failed);
    assert.equal(throwing.runningSince(), undefined);
    // The timer drives tick() until stop().
    scheduler.start(60_000);
    assert.equal(timers.pending(60_000), 1);
    scheduler.stop();
    assert.equal(timers.pending(), 0);
  });
});
