// Public face of the scheduled backup: the schedule and its validation, the
// targets (drives under /media and /mnt), one run, and the scheduler the web
// listener ticks.

export { backupStamp, listBackups, type RunDeps, runBackup } from './run.ts';
export {
  BACKUP_LAST_RUN_KEY,
  BACKUP_SCHEDULE_KEY,
  type BackupLastRuns,
  type BackupRun,
  type BackupSchedule,
  nextBackupDue,
  parseBackupSchedule,
  readBackupSchedule,
} from './schedule.ts';
export { type BackupScheduler, createBackupScheduler, NoBackupTarget, RETRY_AFTER_FAILURE_MS, type SchedulerDeps } from './scheduler.ts';
export {
  type CheckOptions,
  checkBackupTarget,
  DEFAULT_TARGET_PATHS,
  listBackupTargets,
  type MountEntry,
  mountOf,
  readMounts,
  type TargetCandidate,
  type TargetCheck,
  type TargetPaths,
} from './targets.ts';
