// The scheduled backup as the web listener runs it: the schedule and the last
// runs live in the store (admin actions backup.schedule.*), the snapshot is
// the same `backup` action the download uses, and the tar goes to the drive.
//
// Why here, in the web listener's worker: it already holds the admin client
// and the tar writer the download uses; the tar's disk work stays off the
// supervisor's thread (GPIO, watchdog); and the supervisor restarts it like
// any listener. A restart loses nothing: when the next run is due is worked
// out from the stored last run, never from a timer's memory.

import { join } from 'node:path';
import type { BackupLastRuns, BackupRun, BackupSchedule, BackupScheduler } from '../../firmware/backup-schedule/index.ts';
import { checkBackupTarget, createBackupScheduler, DEFAULT_TARGET_PATHS, runBackup } from '../../firmware/backup-schedule/index.ts';
import type { SetTimer } from '../../firmware/net/timers.ts';
import { realTimer } from '../../firmware/net/timers.ts';
import type { HealthCheck } from '../api-types.ts';
import type { WebDeps } from './deps.ts';

/** A snapshot of a big store takes a while on an SD card. */
const SNAPSHOT_TIMEOUT_MS = 15 * 60_000;

export interface StoredBackupState extends BackupLastRuns {
  readonly schedule?: BackupSchedule;
}

export function createWebBackupScheduler(deps: WebDeps, hostname: () => Promise<string>, setTimer: SetTimer = realTimer): BackupScheduler {
  const paths = deps.backupTargets ?? DEFAULT_TARGET_PATHS;
  return createBackupScheduler({
    now: deps.now,
    setTimer,
    async load() {
      const state = (await deps.admin.call('backup.schedule.get')) as StoredBackupState;
      const { schedule, ...runs } = state;
      return schedule ? { schedule, runs } : { runs };
    },
    async record(run: BackupRun) {
      await deps.admin.call('backup.schedule.record', { run });
    },
    async run(schedule, trigger) {
      return runBackup(schedule.target, schedule.keep, trigger, {
        snapshot: async (dir) => {
          await deps.admin.call('backup', { dir }, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
        },
        workDir: join(deps.dataDir, 'web-tmp'),
        hostname: await hostname(),
        now: deps.now,
        check: (target) => checkBackupTarget(target, { paths, dataDir: deps.dataDir, allowSameDisk: deps.dev, create: true }),
      });
    },
    ...(deps.log ? { log: deps.log } : {}),
  });
}

/** The mail health page's view of the scheduled backup: none, failing, stale or fine. */
export function backupHealth(
  stored: StoredBackupState,
  targetPresent: boolean | undefined,
  now: number,
): Omit<HealthCheck, 'id' | 'title'> {
  const { schedule, last, lastOk } = stored;
  if (!schedule?.enabled) {
    return {
      status: 'warn',
      detail: 'No scheduled backup: if the SD card fails, the mail is gone.',
      fix: 'Plug a USB drive into the box (or have a network share mounted) and set up a schedule on the Backup page.',
    };
  }
  const periodMs = (schedule.everyHours ?? 24) * 3_600_000;
  if (last && !last.ok) {
    return {
      status: lastOk && now - lastOk.finishedAt < 2 * periodMs ? 'warn' : 'fail',
      detail: `The last backup failed: ${last.error ?? 'unknown error'}${lastOk ? ` The last good one is from ${new Date(lastOk.finishedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.` : ''}`,
      fix:
        targetPresent === false
          ? 'Plug the backup drive back in; the box tries again within the hour.'
          : 'See the Backup page, and the log.',
    };
  }
  if (lastOk && now - lastOk.finishedAt > 2 * periodMs + 3_600_000) {
    return {
      status: 'warn',
      detail: 'No backup has been written for longer than the schedule says.',
      fix: 'Check the Backup page; the web service runs the schedule, so see that it is running.',
    };
  }
  if (!lastOk) return { status: 'ok', detail: `Scheduled to ${schedule.target}; the first backup is on its way.` };
  return {
    status: 'ok',
    detail: `Last backup ${new Date(lastOk.finishedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC to ${schedule.target}.`,
  };
}
