// Runs scheduled backups: a tick (every minute from the web listener) looks at
// the stored schedule and the last run, and runs a backup when one is due.
// One run at a time: "back up now" while a run is under way joins it.
// Everything comes in as a dependency (the store through admin actions, the
// clock, the timer), so tests drive it with a fake clock and a temp folder.

import type { SetTimer } from '../net/timers.ts';
import { type BackupLastRuns, type BackupRun, type BackupSchedule, nextBackupDue } from './schedule.ts';

/** After a failed run (the drive was away), try again this much later at the latest. */
export const RETRY_AFTER_FAILURE_MS = 3_600_000;

export interface SchedulerDeps {
  /** The stored schedule (undefined: none) and the last runs. */
  readonly load: () => Promise<{ readonly schedule?: BackupSchedule; readonly runs: BackupLastRuns }>;
  /** Keep a finished run where the Backup page reads it. */
  readonly record: (run: BackupRun) => Promise<void>;
  /** One backup to the schedule's target. Never throws (a failure is a run with ok false). */
  readonly run: (schedule: BackupSchedule, trigger: BackupRun['trigger']) => Promise<BackupRun>;
  readonly now: () => number;
  readonly setTimer: SetTimer;
  readonly log?: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
  };
}

export interface BackupScheduler {
  /**
   * Run a backup now (with this schedule, else the stored one); joins a run under way.
   * Rejects only with NoBackupTarget. Given a schedule, the run has started when this returns.
   */
  runNow(schedule?: BackupSchedule): Promise<BackupRun>;
  /** Run a backup when one is due; resolves with it, or undefined when none was due (or one is running). */
  tick(): Promise<BackupRun | undefined>;
  /** When the running backup started; undefined when none runs. */
  runningSince(): number | undefined;
  /** When the next scheduled run is due (may be in the past: it runs at the next tick). */
  nextDue(schedule: BackupSchedule | undefined, runs: BackupLastRuns): number | undefined;
  /** Tick every `everyMs` until stop(). */
  start(everyMs: number): void;
  stop(): void;
}

export class NoBackupTarget extends Error {
  constructor() {
    super('Choose a folder to back up to first, and save it.');
    this.name = 'NoBackupTarget';
  }
}

export function createBackupScheduler(deps: SchedulerDeps): BackupScheduler {
  let current: { since: number; done: Promise<BackupRun> } | undefined;
  let cancel: (() => void) | undefined;
  let stopped = true;

  const nextDue = (schedule: BackupSchedule | undefined, runs: BackupLastRuns): number | undefined => {
    if (!schedule) return undefined;
    const now = deps.now();
    const due = nextBackupDue(schedule, runs.last?.startedAt, now);
    if (due === undefined || !runs.last || runs.last.ok) return due;
    const retry = Math.min(runs.last.startedAt, now) + RETRY_AFTER_FAILURE_MS;
    return Math.min(due, retry);
  };

  const launch = (schedule: BackupSchedule, trigger: BackupRun['trigger']): Promise<BackupRun> => {
    const since = deps.now();
    const done = (async () => {
      let run: BackupRun;
      try {
        run = await deps.run(schedule, trigger);
      } catch (err) {
        // run() should not throw; if it does (the daemon went away), it is a failed run all the same.
        const at = deps.now();
        run = {
          startedAt: since,
          finishedAt: at,
          ok: false,
          trigger,
          error: `The backup could not run: ${(err as Error)?.message ?? String(err)}`,
        };
      }
      try {
        await deps.record(run);
      } catch (err) {
        deps.log?.warn({ err: String(err) }, 'backup: could not record the result');
      }
      if (run.ok) deps.log?.info({ file: run.file, bytes: run.bytes, trigger }, 'backup written');
      else deps.log?.warn({ target: schedule.target, error: run.error, trigger }, 'backup failed');
      return run;
    })();
    current = { since, done };
    const clear = () => {
      if (current?.done === done) current = undefined;
    };
    done.then(clear, clear);
    return done;
  };

  const tick = async (): Promise<BackupRun | undefined> => {
    if (current) return undefined;
    const { schedule, runs } = await deps.load();
    const due = nextDue(schedule, runs);
    if (!schedule || due === undefined || due > deps.now() || current) return undefined;
    return launch(schedule, 'schedule');
  };

  const arm = (everyMs: number) => {
    cancel = deps.setTimer(everyMs, () => {
      if (stopped) return;
      tick()
        .catch((err: unknown) => deps.log?.warn({ err: String(err) }, 'backup: schedule check failed'))
        .finally(() => {
          if (!stopped) arm(everyMs);
        });
    });
  };

  return {
    runNow(given) {
      if (current) return current.done;
      if (given) return launch(given, 'now');
      return deps.load().then(({ schedule }) => {
        if (!schedule) throw new NoBackupTarget();
        return current ? current.done : launch(schedule, 'now');
      });
    },
    tick,
    runningSince: () => current?.since,
    nextDue,
    start(everyMs) {
      if (!stopped) return;
      stopped = false;
      arm(everyMs);
    },
    stop() {
      stopped = true;
      cancel?.();
      cancel = undefined;
    },
  };
}
