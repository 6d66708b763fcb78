// Scheduled backup through the API (fastify inject, a real store in a temp
// dir, the real admin actions): choose a drive the mount table shows, save
// the schedule (errors name their field), runs when due by a clock the test
// moves, keeps the newest K, says "not present" when the drive is pulled, and
// "back up now". Appliance mode, so a folder on the data disk never counts.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTar } from '../../firmware/admin/tar.ts';
import type { BackupScheduleState } from '../../webui/api-types.ts';
import { type Client, completeSetup, type Harness, startHarness, until } from './support.ts';

const HOUR = 3_600_000;

describe('scheduled backup', () => {
  let h: Harness;
  let admin: Client;
  let dir: string;
  let media: string;
  let usb: string;
  let mounts: string;
  let clock = Date.UTC(2026, 10, 27, 22, 0, 0);

  const plug = async (present: boolean) => {
    const lines = ['/dev/root / ext4 rw 0 0'];
    if (present) lines.push(`/dev/sda1 ${usb} exfat rw,nosuid,nodev 0 0`);
    await writeFile(mounts, `${lines.join('\n')}\n`);
  };
  const state = async (): Promise<BackupScheduleState> => {
    const res = await admin.req('GET', '/api/backup/schedule');
    assert.equal(res.status, 200, res.body);
    return res.json;
  };
  const backups = async () => (await readdir(join(usb, 'pochta')).catch(() => [] as string[])).filter((n) => n.endsWith('.tar')).sort();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-web-sched-'));
    media = join(dir, 'media');
    usb = join(media, 'usb0');
    mounts = join(dir, 'mounts');
    await mkdir(usb, { recursive: true });
    await plug(true);
    h = await startHarness({
      dev: false,
      deps: {
        now: () => clock,
        // The clock moves by days here; sessions must not expire with it.
        sessionTimes: { idleMs: 365 * 24 * HOUR, absoluteMs: 365 * 24 * HOUR },
        backupTargets: { mountsFile: mounts, roots: [media] },
      },
    });
    admin = await completeSetup(h, { domain: 'example.test', users: [{ address: 'anna', password: 'Orange-Bicycle-Window-3' }] });
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('offers the drives present, and names the field of a bad schedule', async () => {
    const s = await state();
    assert.equal(s.schedule, undefined);
    assert.deepEqual(
      s.candidates.map((c) => [c.path, c.fsType]),
      [[usb, 'exfat']],
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ target: 'usb0', everyHours: 6 }, 'target'],
      [{ target: join(usb, 'pochta'), everyHours: 500 }, 'everyHours'],
      [{ target: join(usb, 'pochta'), dailyAt: 'noon' }, 'dailyAt'],
      [{ target: join(usb, 'pochta'), everyHours: 6, keep: 0 }, 'keep'],
      [{ everyHours: 6 }, 'target'],
    ];
    for (const [body, field] of cases) {
      const res = await admin.req('PUT', '/api/backup/schedule', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.field, field, `${JSON.stringify(body)}: ${res.body}`);
    }
    const none = await admin.req('POST', '/api/backup/schedule/run');
    assert.equal(none.status, 400);
    assert.equal(none.json.error.field, 'target');
  });

  it('runs when due: a dated tar on the drive, written whole, the result shown, the newest K kept', async () => {
    const saved = await admin.req('PUT', '/api/backup/schedule', { target: join(usb, 'pochta'), everyHours: 6, keep: 2 });
    assert.equal(saved.status, 200, saved.body);
    assert.equal(saved.json.target.present, true);
    assert.equal(saved.json.nextAt, clock, 'a new schedule is due at once');

    const first = await h.app.backups.tick();
    assert.equal(first?.ok, true, first?.error);
    assert.deepEqual(await backups(), ['pochta-backup-mail.example.test-20261127-220000Z.tar']);
    const names = (await readTar(first!.file!)).map((e) => e.name);
    assert.ok(names.includes('db/CURRENT'), names.join(' '));
    let s = await state();
    assert.equal(s.last?.ok, true);
    assert.equal(s.last?.bytes, (await stat(first!.file!)).size);
    assert.equal(s.last?.trigger, 'schedule');
    assert.equal(s.nextAt, clock + 6 * HOUR);
    assert.equal(await h.app.backups.tick(), undefined, 'not due again yet');

    clock += 6 * HOUR;
    assert.equal((await h.app.backups.tick())?.ok, true);
    clock += 6 * HOUR;
    const third = await h.app.backups.tick();
    assert.deepEqual(third?.pruned, ['pochta-backup-mail.example.test-20261127-220000Z.tar']);
    assert.deepEqual(await backups(), [
      'pochta-backup-mail.example.test-20261128-040000Z.tar',
      'pochta-backup-mail.example.test-20261128-100000Z.tar',
    ]);
    s = await state();
    assert.deepEqual(s.last?.pruned, third?.pruned);
    assert.deepEqual(
      (await readdir(join(usb, 'pochta'))).filter((n) => n.startsWith('.')),
      [],
      'no temporary file left',
    );
  });

  it('the drive pulled out: "not present", the run fails saying so, the last good backup stays shown', async () => {
    await plug(false);
    let s = await state();
    assert.equal(s.target?.present, false);
    assert.match(s.target!.reason!, /Not present/);
    assert.deepEqual(s.candidates, []);
    clock += 6 * HOUR;
    const run = await h.app.backups.tick();
    assert.equal(run?.ok, false);
    s = await state();
    assert.equal(s.last?.ok, false);
    assert.match(s.last!.error!, /Not present/);
    assert.equal(s.lastOk?.ok, true);
    assert.equal(s.nextAt, clock + HOUR, 'tried again within the hour');
    assert.equal((await backups()).length, 2, 'nothing was written');
    const health = await admin.req('GET', '/api/health-checks');
    const check = (health.json.checks as { id: string; status: string; detail: string; fix?: string }[]).find((c) => c.id === 'backup')!;
    assert.equal(check.status, 'warn', 'a good backup is recent, so not yet red');
    assert.match(check.detail, /last backup failed/);
    assert.match(check.fix!, /Plug the backup drive back in/);
  });

  it('"back up now" once the drive is back; refused without a session or the CSRF header', async () => {
    await plug(true);
    const stranger = await h.app.inject({ method: 'POST', url: '/api/backup/schedule/run', headers: { 'x-pochta-csrf': 'anonymous' } });
    assert.equal(stranger.statusCode, 401);
    const forged = await admin.req('POST', '/api/backup/schedule/run', undefined, { 'x-pochta-csrf': 'wrong' });
    assert.equal(forged.status, 403);
    assert.equal(forged.json.error.code, 'CSRF_FAILED');

    clock += 60_000;
    const started = await admin.req('POST', '/api/backup/schedule/run');
    assert.equal(started.status, 200, started.body);
    await until(async () => (await state()).last?.trigger === 'now');
    const s = await state();
    assert.equal(s.last?.ok, true, s.last?.error);
    assert.equal(s.runningSince, undefined);
    assert.equal((await backups()).length, 2, 'still the newest two');
  });

  it('a schedule turned off is not run; removed, it is gone', async () => {
    const off = await admin.req('PUT', '/api/backup/schedule', { target: join(usb, 'pochta'), dailyAt: '02:30', keep: 3, enabled: false });
    assert.equal(off.status, 200, off.body);
    assert.equal(off.json.nextAt, undefined);
    clock += 48 * HOUR;
    assert.equal(await h.app.backups.tick(), undefined);
    const removed = await admin.req('DELETE', '/api/backup/schedule');
    assert.equal(removed.status, 200);
    assert.equal(removed.json.schedule, undefined);
    const health = await admin.req('GET', '/api/health-checks');
    const check = (health.json.checks as { id: string; status: string; detail: string }[]).find((c) => c.id === 'backup')!;
    assert.equal(check.status, 'warn');
    assert.match(check.detail, /No scheduled backup/);
  });
});
