// The supervisor: runs each listener in its own worker thread, restarts one
// that throws, exits, stops heartbeating or fails its probe (exponential
// backoff, reset after a healthy minute), gives up on one that fails too often
// in a window while the others keep serving, and pets the watchdog only while
// its own loop and the store answer.

import { join } from 'node:path';
import { PochtaError } from '../errors.ts';
import type { MailStore } from '../store/types.ts';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, DEFAULT_FAILURE, type FailurePolicy, recordFailure } from './backoff.ts';
import { type ListenerSpec, type ListenerWorker, startListenerWorker, type WorkerSettings } from './listener-worker.ts';
import type { ListenAddress, ListenerName, ListenerState, ListenerStatus, Logger, TlsFiles } from './service.ts';
import { realTimers, type Timers } from './timers.ts';
import type { FaultKind, LogLevel } from './worker-messages.ts';

export interface SupervisorOptions {
  readonly store: MailStore;
  readonly log: Logger;
  readonly listeners: readonly ListenerSpec[];
  readonly hostname: string;
  readonly dataDir: string;
  readonly tls: TlsFiles;
  readonly dev: boolean;
  /** The store's blob directory; default <dataDir>/blobs. */
  readonly blobDir?: string;
  /** Level of the listeners' own loggers; default 'info'. */
  readonly logLevel?: LogLevel;
  /** Human-readable listener logs (dev mode); default false. */
  readonly logPretty?: boolean;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly backoff?: Partial<BackoffPolicy>;
  readonly failure?: Partial<FailurePolicy>;
  /**
   * Worker beat period and how long without a beat counts as a hang; default
   * 0.5 s / 5 s: long enough that a big synchronous parse on a Pi is not taken
   * for a hang (a false alarm would cut every session of that listener).
   */
  readonly heartbeat?: { readonly intervalMs?: number; readonly timeoutMs?: number };
  /** Probe period, per-probe timeout and consecutive failures before a restart; default 15 s / 5 s / 2. */
  readonly probe?: { readonly intervalMs?: number; readonly timeoutMs?: number; readonly failures?: number };
  /** A listener whose start() has not resolved by then is restarted; default 30 s. */
  readonly startTimeoutMs?: number;
  /** Watchdog loop: period, timeout of one check, and the check itself (default: one cheap store read). */
  readonly health?: { readonly intervalMs?: number; readonly timeoutMs?: number; readonly check?: () => Promise<unknown> };
  /** Called from the health loop each time the supervisor and the store answered (pet systemd's watchdog here). */
  readonly onHealthy?: () => void;
  /** Called on every listener state change. */
  readonly onChange?: (status: ListenerStatus) => void;
  /** Allow fault(): dev/test only (issue 6's `pochta debug`); default = dev. */
  readonly allowFaults?: boolean;
  /** Node flags for the worker threads; default: inherit. */
  readonly execArgv?: readonly string[];
}

export interface RestartEvent {
  readonly name: ListenerName;
  readonly reason: string;
  /** Backoff before the new worker starts. */
  readonly delayMs: number;
  /** Restarts since the last healthy period (0 for the first). */
  readonly attempt: number;
}

export interface Supervisor {
  /** Start every listener; resolves when each has come up or failed its first attempt. */
  start(): Promise<void>;
  /**
   * Stop every listener by `deadline` (ms since epoch, wall clock); stragglers are
   * terminated. Resolves when all threads are gone and every store call they
   * started has settled (or the deadline has passed), so the caller may then
   * close the store.
   */
  stop(deadline: number): Promise<void>;
  /** A snapshot per listener, in configuration order. */
  status(): ListenerStatus[];
  /** Stop (gracefully, by `deadline`) and start one listener again; also revives a failed one and clears its backoff. */
  restart(name: ListenerName, deadline?: number): Promise<void>;
  /** Inject a fault into a listener (throw, exit, hang). PochtaError FORBIDDEN unless faults are allowed. */
  fault(name: ListenerName, kind: FaultKind): void;
  on(event: 'change', fn: (status: ListenerStatus) => void): () => void;
  on(event: 'restart', fn: (event: RestartEvent) => void): () => void;
}

interface Slot {
  readonly spec: ListenerSpec;
  state: ListenerState;
  since: number;
  startedAt?: number;
  restarts: number;
  lastError?: string;
  address?: ListenAddress;
  worker?: ListenerWorker;
  /** Restarts since the last healthy period; drives the backoff exponent. */
  attempt: number;
  /** Failure times inside the failure window. */
  history: number[];
  restartTimer?: unknown;
  settleFirst?: () => void;
  /** A restart(name) under way; a second call joins it instead of starting a second thread. */
  manual?: Promise<void>;
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const log = options.log;
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const failure: FailurePolicy = { ...DEFAULT_FAILURE, ...options.failure };
  const settings: WorkerSettings = {
    store: options.store,
    log,
    timers,
    hostname: options.hostname,
    dataDir: options.dataDir,
    blobDir: options.blobDir ?? join(options.dataDir, 'blobs'),
    tls: options.tls,
    dev: options.dev,
    logLevel: options.logLevel ?? 'info',
    logPretty: options.logPretty ?? false,
    heartbeat: { intervalMs: options.heartbeat?.intervalMs ?? 500, timeoutMs: options.heartbeat?.timeoutMs ?? 5000 },
    probe: {
      intervalMs: options.probe?.intervalMs ?? 15_000,
      timeoutMs: options.probe?.timeoutMs ?? 5000,
      failures: options.probe?.failures ?? 2,
    },
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
  };
  const allowFaults = options.allowFaults ?? options.dev;

  const slots = new Map<ListenerName, Slot>();
  for (const spec of options.listeners) {
    if (slots.has(spec.name)) throw new PochtaError('BAD_CONFIG', `listener ${spec.name} is configured twice`);
    slots.set(spec.name, {
      spec,
      state: 'stopped',
      since: now(),
      restarts: 0,
      ...(spec.address ? { address: spec.address } : {}),
      attempt: 0,
      history: [],
    });
  }

  const changeListeners = new Set<(status: ListenerStatus) => void>();
  const restartListeners = new Set<(event: RestartEvent) => void>();
  if (options.onChange) changeListeners.add(options.onChange);
  let running = false;
  let healthTimer: unknown;

  const snapshot = (slot: Slot): ListenerStatus => ({
    name: slot.spec.name,
    state: slot.state,
    ...(slot.address ? { address: slot.address } : {}),
    since: slot.since,
    ...(slot.startedAt !== undefined ? { startedAt: slot.startedAt } : {}),
    restarts: slot.restarts,
    ...(slot.lastError !== undefined ? { lastError: slot.lastError } : {}),
  });

  const emit = <T>(set: Set<(value: T) => void>, value: T): void => {
    for (const fn of [...set]) {
      try {
        fn(value);
      } catch (err) {
        log.error({ err }, 'supervisor event handler threw');
      }
    }
  };

  const setState = (slot: Slot, state: ListenerState): void => {
    slot.state = state;
    slot.since = now();
    if (state !== 'starting' && slot.settleFirst) {
      slot.settleFirst();
      delete slot.settleFirst;
    }
    emit(changeListeners, snapshot(slot));
  };

  const spawn = (slot: Slot): void => {
    delete slot.startedAt;
    setState(slot, 'starting');
    let worker: ListenerWorker;
    try {
      worker = startListenerWorker(slot.spec, settings, {
        ready(address) {
          if (slot.worker !== worker) return;
          if (address) slot.address = address;
          slot.startedAt = now();
          setState(slot, 'running');
          log.info({ listener: slot.spec.name, address }, 'listener running');
        },
        failed(reason) {
          if (slot.worker === worker) onFailure(slot, worker.exited, reason);
        },
      });
    } catch (err) {
      // No thread came to be (e.g. a malformed module path): the same policy as a crash.
      delete slot.worker;
      onFailure(slot, Promise.resolve(), `cannot start thread: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    slot.worker = worker;
  };

  const onFailure = (slot: Slot, exited: Promise<void>, reason: string): void => {
    slot.lastError = reason;
    if (!running) return;
    const t = now();
    // A listener that served for resetAfterMs was healthy: start the backoff over.
    if (slot.startedAt !== undefined && t - slot.startedAt >= backoff.resetAfterMs) slot.attempt = 0;
    delete slot.startedAt;
    const { history, giveUp } = recordFailure(failure, slot.history, t);
    slot.history = history;
    if (giveUp) {
      log.error({ listener: slot.spec.name, reason, failures: history.length }, 'listener failed too often; giving up');
      setState(slot, 'failed');
      return;
    }
    const delayMs = backoffDelay(backoff, slot.attempt);
    const event: RestartEvent = { name: slot.spec.name, reason, delayMs, attempt: slot.attempt };
    slot.attempt++;
    slot.restarts++;
    log.warn({ listener: slot.spec.name, reason, delayMs, restarts: slot.restarts }, 'restarting listener');
    setState(slot, 'restarting');
    emit(restartListeners, event);
    const timer = timers.setTimeout(() => {
      // The old thread must be gone first: it may still hold the listening socket.
      void exited.then(() => {
        if (running && slot.restartTimer === timer) {
          delete slot.restartTimer;
          spawn(slot);
        }
      });
    }, delayMs);
    slot.restartTimer = timer;
  };

  const cancelRestart = (slot: Slot): void => {
    if (slot.restartTimer === undefined) return;
    timers.clearTimeout(slot.restartTimer);
    delete slot.restartTimer;
  };

  // A point read: proves LevelDB answers without scanning anything (stats() walks every blob record).
  const healthCheck = options.health?.check ?? (() => options.store.getSetting('supervisor.health-probe'));
  const healthTimeoutMs = options.health?.timeoutMs ?? 5000;
  let checking = false;
  const healthTick = async (): Promise<void> => {
    if (checking || !running) return;
    checking = true;
    let timeout: unknown;
    try {
      await Promise.race([
        healthCheck(),
        new Promise((_, reject) => {
          timeout = timers.setTimeout(() => reject(new Error(`store did not answer within ${healthTimeoutMs} ms`)), healthTimeoutMs);
        }),
      ]);
      if (running) options.onHealthy?.();
    } catch (err) {
      // Not petting the watchdog is the whole reaction: systemd restarts a box that stays unhealthy.
      log.warn({ err }, 'health check failed; watchdog not petted');
    } finally {
      timers.clearTimeout(timeout);
      checking = false;
    }
  };

  const requireSlot = (name: ListenerName): Slot => {
    const slot = slots.get(name);
    if (!slot) throw new PochtaError('NOT_FOUND', `no listener named ${name}`);
    return slot;
  };

  const supervisor: Supervisor = {
    async start() {
      if (running) return;
      running = true;
      const settled: Promise<void>[] = [];
      for (const slot of slots.values()) {
        settled.push(new Promise<void>((resolve) => (slot.settleFirst = resolve)));
        spawn(slot);
      }
      if (options.onHealthy) {
        healthTimer = timers.setInterval(() => void healthTick(), options.health?.intervalMs ?? 5000);
      }
      await Promise.all(settled);
    },

    async stop(deadline) {
      running = false;
      if (healthTimer !== undefined) timers.clearInterval(healthTimer);
      healthTimer = undefined;
      const stopping: Promise<void>[] = [];
      for (const slot of slots.values()) {
        cancelRestart(slot);
        slot.settleFirst?.();
        delete slot.settleFirst;
        const worker = slot.worker;
        stopping.push(
          (async () => {
            if (worker) {
              await worker.stop(deadline);
              // Writes the listener started still finish, but a store that never
              // answers must not keep the daemon from exiting past its deadline.
              let timer: unknown;
              await Promise.race([
                worker.drained(),
                new Promise<void>((resolve) => (timer = timers.setTimeout(resolve, Math.max(0, deadline - Date.now())))),
              ]);
              timers.clearTimeout(timer);
            }
            delete slot.startedAt;
            setState(slot, 'stopped');
          })(),
        );
      }
      await Promise.all(stopping);
    },

    status() {
      return [...slots.values()].map(snapshot);
    },

    async restart(name, deadline) {
      const slot = requireSlot(name);
      if (!running) throw new PochtaError('INVALID_ARGUMENT', 'supervisor is not running');
      slot.manual ??= (async () => {
        try {
          cancelRestart(slot);
          const old = slot.worker;
          delete slot.worker; // its exit must not count as a failure
          if (old) await old.stop(deadline ?? Date.now() + 5000);
          slot.attempt = 0;
          slot.history = [];
          if (running) spawn(slot);
        } finally {
          delete slot.manual;
        }
      })();
      return slot.manual;
    },

    fault(name, kind) {
      if (!allowFaults) throw new PochtaError('FORBIDDEN', 'fault injection is only available in dev mode');
      const worker = requireSlot(name).worker;
      if (!worker) throw new PochtaError('INVALID_ARGUMENT', `listener ${name} is not running`);
      worker.fault(kind);
    },

    on(event: 'change' | 'restart', fn: ((status: ListenerStatus) => void) | ((event: RestartEvent) => void)) {
      const set = (event === 'change' ? changeListeners : restartListeners) as Set<typeof fn>;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
  };
  return supervisor;
}
