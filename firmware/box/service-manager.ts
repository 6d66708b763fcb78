// The daemon's side of systemd's Type=notify contract: READY=1 once the
// listeners are up, STATUS= lines as they change, WATCHDOG=1 only from the
// supervisor's health tick (its own loop answered and the store answered), and
// STOPPING=1 on shutdown. Off systemd it records instead of sending, so tests
// (and `pochta status`) can see what would have been said.

import type { Logger } from '../supervisor/index.ts';
import { type Notifier, recordingNotifier, systemdNotifier } from './notifier.ts';

export interface ServiceManagerLink {
  readonly notifier: Notifier;
  /** WatchdogSec in ms when systemd watches this process; undefined otherwise. */
  readonly watchdogMs?: number;
  /** Start-up is complete: READY=1 with a STATUS= line. Only the first call sends READY. */
  ready(status: string): void;
  /** A new one-line status for `systemctl status`. */
  status(text: string): void;
  /** WATCHDOG=1. Call only from the health tick; a pet still being delivered makes this one a no-op. */
  pet(): void;
  /** STOPPING=1: systemd then waits for the exit instead of expecting pets. */
  stopping(): void;
  /** What `pochta status` shows: whether systemd listens, how often we petted, when last. */
  stats(): WatchdogStats;
}

export interface WatchdogStats {
  /** Running under systemd (NOTIFY_SOCKET set). */
  readonly systemd: boolean;
  readonly watchdogMs?: number;
  readonly ready: boolean;
  readonly pets: number;
  readonly lastPetAt?: number;
}

export interface ServiceManagerOptions {
  readonly notifier: Notifier;
  readonly watchdogMs?: number;
  readonly now?: () => number;
}

export function createServiceManagerLink(options: ServiceManagerOptions): ServiceManagerLink {
  const { notifier } = options;
  const now = options.now ?? Date.now;
  let ready = false;
  let pets = 0;
  let lastPetAt: number | undefined;
  let petting = false;
  const status = (text: string): void => void notifier.send({ STATUS: text });
  return {
    notifier,
    ...(options.watchdogMs !== undefined ? { watchdogMs: options.watchdogMs } : {}),
    ready(text) {
      if (ready) return status(text);
      ready = true;
      void notifier.send({ READY: '1', STATUS: text });
    },
    status,
    pet() {
      // Should systemd-notify hang (PID 1 busy), do not pile up processes: the
      // watchdog deadline decides, which is what it is for.
      if (petting) return;
      petting = true;
      pets++;
      lastPetAt = now();
      void notifier.send({ WATCHDOG: '1' }).finally(() => {
        petting = false;
      });
    },
    stopping() {
      void notifier.send({ STOPPING: '1', STATUS: 'stopping' });
    },
    stats: () => ({
      systemd: notifier.active,
      ...(options.watchdogMs !== undefined ? { watchdogMs: options.watchdogMs } : {}),
      ready,
      pets,
      ...(lastPetAt !== undefined ? { lastPetAt } : {}),
    }),
  };
}

export interface FromEnvironmentOptions {
  /** The systemd-notify binary (POCHTA_SYSTEMD_NOTIFY); default from PATH. */
  readonly command?: string;
  readonly pid?: number;
  readonly now?: () => number;
  readonly log?: Pick<Logger, 'warn'>;
}

/**
 * The link systemd asked for through the environment: NOTIFY_SOCKET (where to
 * send), WATCHDOG_USEC (the deadline) and WATCHDOG_PID (whom it is for: a
 * child that inherited the variables must not pet for us). Without
 * NOTIFY_SOCKET every message is only recorded.
 */
export function serviceManagerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: FromEnvironmentOptions = {},
): ServiceManagerLink {
  const socket = env['NOTIFY_SOCKET'];
  const now = options.now ?? Date.now;
  const notifier =
    socket !== undefined && socket !== ''
      ? systemdNotifier({ socket, ...(options.command ? { command: options.command } : {}), ...(options.log ? { log: options.log } : {}) })
      : recordingNotifier(now);
  const usec = Number(env['WATCHDOG_USEC']);
  const forPid = env['WATCHDOG_PID'];
  const ours = forPid === undefined || forPid === '' || Number(forPid) === (options.pid ?? process.pid);
  const watchdogMs = notifier.active && ours && Number.isFinite(usec) && usec > 0 ? Math.floor(usec / 1000) : undefined;
  return createServiceManagerLink({ notifier, now, ...(watchdogMs !== undefined ? { watchdogMs } : {}) });
}

/** Health-tick period for a watchdog deadline: three chances per deadline, and never slower than the default 5 s. */
export function healthIntervalMs(watchdogMs: number | undefined, defaultMs = 5000): number {
  if (watchdogMs === undefined) return defaultMs;
  return Math.max(100, Math.min(defaultMs, Math.floor(watchdogMs / 3)));
}
