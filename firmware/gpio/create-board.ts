// Choosing the driver: the kernel's LED and key devices when the image's
// overlays made them, else sysfs GPIO on the SoC chip, else the simulation.
// A driver can be forced by config; one that cannot run then falls back to
// the simulation with the reason shown, because an LED is never worth
// keeping mail down for.

import { type Logger, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board, DriverName } from './board.ts';
import { createKernelBoard, kernelUnavailable } from './kernel-board.ts';
import { DEFAULT_GPIO_PATHS, type GpioPaths } from './paths.ts';
import { loadPinmap, type Pinmap } from './pinmap.ts';
import { createSimBoard } from './sim-board.ts';
import { createSysfsBoard, loadOnoff, sysfsUnavailable } from './sysfs-board.ts';

export type DriverChoice = 'auto' | DriverName;

export interface CreateBoardOptions {
  /** 'auto' (default) or a forced driver. */
  readonly driver?: DriverChoice;
  /** Default: hardware/pinmap.json. */
  readonly pinmap?: Pinmap;
  readonly paths?: GpioPaths;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The sim's press('long') holds this long plus a little; match the button's long-press time. Default 10 s. */
  readonly longPressMs?: number;
}

export interface DriverProbe {
  readonly driver: DriverName;
  /** Why this driver cannot run here; undefined when it can. */
  readonly reason?: string;
}

/** Which hardware drivers could run here, and why not (for `pochta gpio state` and the logs). */
export function probeDrivers(pinmap: Pinmap, paths: GpioPaths): DriverProbe[] {
  const kernel = kernelUnavailable(pinmap, paths);
  const sysfs = sysfsUnavailable(paths);
  const onoff = 'reason' in sysfs ? undefined : loadOnoff();
  return [
    { driver: 'kernel', ...(kernel ? { reason: kernel } : {}) },
    { driver: 'sysfs', ...('reason' in sysfs ? { reason: sysfs.reason } : typeof onoff === 'string' ? { reason: onoff } : {}) },
    { driver: 'sim' },
  ];
}

export async function createBoard(options: CreateBoardOptions = {}): Promise<Board> {
  const pinmap = options.pinmap ?? loadPinmap();
  const paths = options.paths ?? DEFAULT_GPIO_PATHS;
  const timers = options.timers ?? realTimers;
  const now = options.now ?? Date.now;
  const choice = options.driver ?? 'auto';
  const log = options.log;
  const common = { pinmap, paths, timers, now, ...(log ? { log } : {}) };
  const reasons: string[] = [];

  if (choice === 'auto' || choice === 'kernel') {
    const why = kernelUnavailable(pinmap, paths);
    if (why === undefined) return createKernelBoard(common);
    reasons.push(`kernel: ${why}`);
  }
  if (choice === 'auto' || choice === 'sysfs') {
    const probe = sysfsUnavailable(paths);
    const onoff = 'chip' in probe ? loadOnoff() : probe.reason;
    if ('chip' in probe && typeof onoff !== 'string') {
      try {
        return await createSysfsBoard(common, probe.chip, onoff);
      } catch (err) {
        reasons.push(`sysfs: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      reasons.push(`sysfs: ${typeof onoff === 'string' ? onoff : 'unavailable'}`);
    }
  }
  const reason = reasons.join('; ');
  if (choice !== 'auto' && choice !== 'sim')
    log?.error({ driver: choice, reason }, 'forced GPIO driver cannot run; using the simulated board');
  else if (reason) log?.info({ reason }, 'no GPIO hardware; using the simulated board');
  return createSimBoard({
    now,
    timers,
    ...(options.longPressMs !== undefined ? { longPressMs: options.longPressMs } : {}),
    ...(reason ? { reason } : {}),
  });
}
