// The backup schedule as the admin sets it (a target folder, how often, how
// many to keep), its validation with field names the web UI shows errors
// under, and when the next run is due.

import { PochtaError } from '../errors.ts';

/** Store setting (kept by the admin actions, not a runtime setting): the schedule. */
export const BACKUP_SCHEDULE_KEY = 'backup.schedule';
/** Store setting: the last scheduled or "now" run, and the last one that worked. */
export const BACKUP_LAST_RUN_KEY = 'backup.lastRun';

export interface BackupSchedule {
  readonly enabled: boolean;
  /** Absolute folder on a USB drive or a mounted network share. */
  readonly target: string;
  /** Every N hours (1..168); exclusive with dailyAt. */
  readonly everyHours?: number;
  /** Once a day at HH:MM, the box's local time; exclusive with everyHours. */
  readonly dailyAt?: string;
  /** How many backups of this box to keep in the target (1..100). */
  readonly keep: number;
  /** When the schedule was saved (ms): a daily schedule never run is first due at the next HH:MM after it. */
  readonly savedAt: number;
}

export interface BackupRun {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly ok: boolean;
  /** The backup's full path (ok runs). */
  readonly file?: string;
  readonly bytes?: number;
  /** What went wrong, in plain words (failed runs). */
  readonly error?: string;
  /** Older backups deleted by this run. */
  readonly pruned?: readonly string[];
  /** 'schedule' or 'now' (the button). */
  readonly trigger: 'schedule' | 'now';
}

export interface BackupLastRuns {
  readonly last?: BackupRun;
  readonly lastOk?: BackupRun;
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function bad(field: string, text: string): never {
  // The field name leads the detail: the web layer turns it into the error's `field`.
  throw new PochtaError('INVALID_ARGUMENT', `${field}: ${text}`);
}

/** Check a schedule from the web UI or the CLI. INVALID_ARGUMENT naming the field. */
export function parseBackupSchedule(value: unknown, savedAt: number): BackupSchedule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('schedule', 'expected {target, everyHours | dailyAt, keep}');
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['enabled', 'target', 'everyHours', 'dailyAt', 'keep'].includes(key)) bad(key, 'unknown field');
  }
  const enabled = v['enabled'] ?? true;
  if (typeof enabled !== 'boolean') bad('enabled', 'expected true or false');
  const target = typeof v['target'] === 'string' ? v['target'].trim().replace(/(.)\/+$/, '$1') : undefined;
  if (!target) bad('target', 'give the folder to back up to, such as /media/usb/pochta');
  if (!target.startsWith('/')) bad('target', `${JSON.stringify(target)} is not a full path: it must start with /`);
  if (target.split('/').some((part) => part === '..' || part === '.')) bad('target', 'a path without . or .. parts');
  const hasHours = v['everyHours'] !== undefined && v['everyHours'] !== null && v['everyHours'] !== '';
  const hasDaily = v['dailyAt'] !== undefined && v['dailyAt'] !== null && v['dailyAt'] !== '';
  if (hasHours === hasDaily) bad('everyHours', 'choose either every so many hours or once a day at a time');
  let everyHours: number | undefined;
  let dailyAt: string | undefined;
  if (hasHours) {
    everyHours = Number(v['everyHours']);
    if (!Number.isInteger(everyHours) || everyHours < 1 || everyHours > 168) bad('everyHours', 'a whole number of hours from 1 to 168');
  } else {
    const m = typeof v['dailyAt'] === 'string' ? HHMM.exec(v['dailyAt'].trim()) : null;
    if (!m) bad('dailyAt', 'a time of day such as 02:30');
    dailyAt = `${m[1]!.padStart(2, '0')}:${m[2]}`;
  }
  const keep = Number(v['keep'] ?? 7);
  if (!Number.isInteger(keep) || keep < 1 || keep > 100) bad('keep', 'a whole number from 1 to 100');
  return {
    enabled,
    target,
    ...(everyHours !== undefined ? { everyHours } : {}),
    ...(dailyAt !== undefined ? { dailyAt } : {}),
    keep,
    savedAt,
  };
}

/** A stored value back to a schedule, or undefined when absent or unreadable (an older format). */
export function readBackupSchedule(value: unknown): BackupSchedule | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const savedAt = Number((value as { savedAt?: unknown }).savedAt ?? 0);
    const { savedAt: _drop, ...rest } = value as Record<string, unknown>;
    return parseBackupSchedule(rest, Number.isFinite(savedAt) ? savedAt : 0);
  } catch {
    return undefined;
  }
}

/** The next HH:MM (local time) strictly after `after`. */
function nextDailyAfter(after: number, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const d = new Date(after);
  const at = new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m, 0, 0).getTime();
  if (at > after) return at;
  const next = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, h, m, 0, 0);
  return next.getTime();
}

/**
 * When the next run is due: after the last run (or, for a schedule never run,
 * right away). A box that was off at the time catches up as soon as it runs;
 * a last run "in the future" (the clock was wrong before NTP set it) counts
 * from now instead, so a Pi without a battery clock does not stop backing up.
 */
export function nextBackupDue(schedule: BackupSchedule, lastStartedAt: number | undefined, now: number): number | undefined {
  if (!schedule.enabled) return undefined;
  if (lastStartedAt === undefined) return schedule.dailyAt !== undefined ? nextDailyAfter(schedule.savedAt - 1, schedule.dailyAt) : now;
  const from = lastStartedAt > now ? now : lastStartedAt;
  if (schedule.everyHours !== undefined) return from + schedule.everyHours * 3_600_000;
  return nextDailyAfter(from, schedule.dailyAt!);
}
