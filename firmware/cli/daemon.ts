// `pochta serve` put together: the one place that wires config, log, store,
// TLS, admin socket and supervisor. The store is opened here, once, before any
// listener starts (LevelDB allows one opener); listeners reach it through the
// supervisor's bridge.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminDeps } from '../admin/actions.ts';
import { ACTIONS, runAdminAction } from '../admin/actions.ts';
import { actionTable } from '../admin/debug-actions.ts';
import { collectLogLines, createLogRing, logRingStream } from '../admin/log-ring.ts';
import { collectMailCounters, loadMailCounters, saveMailCounters } from '../admin/mail-counters.ts';
import { resetAdminAccess } from '../admin/reset-admin-access.ts';
import { startAdminServer } from '../admin/socket-server.ts';
import { applyStagedRestore } from '../admin/staged-restore.ts';
import { storeAddresses, storePasswords } from '../admin/store-tools.ts';
import { createServiceManagerLink, healthIntervalMs, recordingNotifier, type ServiceManagerLink } from '../box/index.ts';
import { type Config, configError } from '../config/bootstrap.ts';
import { readSettings, watchSettings } from '../config/settings.ts';
import { type FrontPanel, startFrontPanel } from '../gpio/index.ts';
import { type RootLogger, teeLog } from '../log.ts';
import { analyze } from '../mime/index.ts';
import { ensureTlsFiles } from '../net/tls.ts';
import { openStore } from '../store/index.ts';
import type { MailStore } from '../store/types.ts';
import { createSupervisor, type ListenerStatus, type Supervisor } from '../supervisor/index.ts';
import { type DemoResult, ensureDevDemo } from './dev-demo.ts';
import { LISTENERS, type ListenerEntry } from './listener-registry.ts';
import type { Timings } from './timings.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly log: RootLogger;
  readonly version: string;
  /** Which listeners to run; default: the registry. */
  readonly listeners?: readonly ListenerEntry[];
  readonly now?: () => number;
  /** Shorter supervisor and button timings (POCHTA_TIMINGS, see timings.ts); default: the built-in ones. */
  readonly timings?: Timings;
  /** systemd's Type=notify link (serviceManagerFromEnv); default: one that only records. */
  readonly serviceManager?: ServiceManagerLink;
}

export interface Daemon {
  readonly store: MailStore;
  readonly supervisor: Supervisor;
  readonly adminDeps: AdminDeps;
  readonly serviceManager: ServiceManagerLink;
  /** LEDs and button; absent when the panel could not start (the daemon runs on without it). */
  readonly panel?: FrontPanel;
  /** Set in dev mode: the demo account (with its password on the first start only). */
  readonly demo?: DemoResult;
  /** Stop listeners by `deadline` (ms since epoch), close the admin socket, then the store. */
  stop(deadline: number): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const timings = options.timings ?? {};
  const serviceManager = options.serviceManager ?? createServiceManagerLink({ notifier: recordingNotifier(now), now });
  // The web UI's log view (`log.tail`): the recent lines of this thread and of
  // every listener thread (they post theirs on a BroadcastChannel), as pino
  // wrote them, so redaction has already happened.
  const logs = createLogRing({ now });
  const stopTee = teeLog(log, logRingStream(logs));
  const stopCollecting = collectLogLines(logs);
  const stopLogView = () => {
    stopCollecting();
    stopTee();
  };
  let store: MailStore;
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o750 }).catch((err: NodeJS.ErrnoException) => {
      // Most often a wrong --data or a missing chown on the box: a config problem (exit 78), not a crash.
      throw configError('dataDir', `cannot create ${config.dataDir} (${err.code ?? err.message})`);
    });

    // A restore uploaded through the web UI while the daemon ran is applied now,
    // before LevelDB is opened (the current data is moved aside, never deleted).
    await applyStagedRestore(config.dataDir, { now, log: log.child({ room: 'admin' }) });

    // Each new body is parsed once at delivery (ENVELOPE, BODYSTRUCTURE, search
    // text) so IMAP never re-parses it per FETCH.
    store = await openStore({ dir: config.dataDir, now, analyze: (body) => analyze(body) });
  } catch (err) {
    stopLogView();
    throw err;
  }
  const closers: (() => Promise<void>)[] = [async () => stopLogView(), () => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log.error({ err: String(err) }, 'error while stopping'));
  };
  try {
    if (await ensureTlsFiles({ ...config.tls, hostname: config.hostname })) {
      log.info({ cert: config.tls.certPath }, 'made a self-signed TLS certificate');
    }

    const supervisor = createSupervisor({
      store,
      log,
      listeners: (options.listeners ?? LISTENERS)
        .filter((entry) => !config.off.includes(entry.name))
        .map((entry) => ({
          name: entry.name,
          module: entry.module,
          ...(entry.name !== 'queue' ? { address: config.listeners[entry.name] } : {}),
          ...(entry.probe ? { probe: entry.probe } : {}),
          // The web UI runs the admin actions that need the supervisor (status, restart, panel) over the admin socket.
          ...(entry.name === 'web' ? { options: { adminSocket: config.adminSocket } } : {}),
        })),
      hostname: config.hostname,
      dataDir: config.dataDir,
      tls: config.tls,
      dev: config.dev,
      logLevel: config.log.level,
      logPretty: config.log.pretty,
      now,
      ...(timings.heartbeat ? { heartbeat: timings.heartbeat } : {}),
      ...(timings.probe ? { probe: timings.probe } : {}),
      ...(timings.backoff ? { backoff: timings.backoff } : {}),
      ...(timings.failure ? { failure: timings.failure } : {}),
      ...(timings.startTimeoutMs !== undefined ? { startTimeoutMs: timings.startTimeoutMs } : {}),
      // The only place the watchdog is petted: the supervisor's own loop ran
      // and the store answered a read. A stuck main thread or a dead LevelDB
      // stops the pets, and systemd restarts the whole daemon.
      health: { intervalMs: timings.healthMs ?? healthIntervalMs(serviceManager.watchdogMs) },
      onHealthy: () => serviceManager.pet(),
    });

    const panel = await startPanel(config, supervisor, store, log, timings.longPressMs);
    if (panel) closers.push(() => panel.close());

    // Mail counters for the web dashboard: listeners report over a BroadcastChannel;
    // saved every minute and at stop, so a restart keeps the day's figures.
    const countersFile = join(config.dataDir, 'mail-counters.json');
    const counters = await loadMailCounters(countersFile, now);
    const stopCounting = collectMailCounters(counters);
    const saveCounters = () =>
      saveMailCounters(countersFile, counters).catch((err: unknown) => log.warn({ err: String(err) }, 'cannot save mail counters'));
    const countersTimer = setInterval(() => void saveCounters(), 60_000);
    countersTimer.unref();
    closers.push(async () => {
      clearInterval(countersTimer);
      stopCounting();
      await saveCounters();
    });

    const adminDeps: AdminDeps = {
      store,
      config,
      passwords: storePasswords,
      addresses: storeAddresses,
      listeners: () => supervisor.status(),
      restartListener: (name) => supervisor.restart(name),
      fault: (name, kind) => supervisor.fault(name, kind),
      counters,
      logs,
      watchdog: () => serviceManager.stats(),
      ...(panel ? { panel } : {}),
      version: options.version,
      now,
      startedAt,
    };
    const demo = config.dev ? await ensureDevDemo(adminDeps) : undefined;

    const actions = actionTable(ACTIONS, config.dev);
    const admin = await startAdminServer({
      path: config.adminSocket,
      // `debug.fault` exists only in dev mode: an appliance has no such action at all.
      handle: (action, params) => runAdminAction(adminDeps, action, params, actions),
      log: log.child({ room: 'admin' }),
    });
    closers.push(() => admin.close());

    await supervisor.start();
    serviceManager.ready(statusLine(supervisor.status()));
    const stopStatus = supervisor.on('change', () => serviceManager.status(statusLine(supervisor.status())));
    log.info({ listeners: supervisor.status().map((l) => ({ name: l.name, state: l.state, address: l.address })) }, 'pochta ready');

    return {
      store,
      supervisor,
      adminDeps,
      serviceManager,
      ...(demo ? { demo } : {}),
      ...(panel ? { panel } : {}),
      async stop(deadline) {
        // Tell systemd first, so the pause in pets while stopping is not taken for a hang.
        serviceManager.stopping();
        stopStatus();
        // Listeners first (they use the store), then the admin socket, then the store.
        await supervisor.stop(deadline).catch((err: unknown) => log.error({ err: String(err) }, 'error while stopping listeners'));
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * The front panel follows the supervisor (green/red LEDs), flickers on mail
 * traffic and takes the button. A panel that cannot start is logged and left
 * out: an LED is never worth keeping mail down for.
 */
async function startPanel(
  config: Config,
  supervisor: Supervisor,
  store: MailStore,
  log: RootLogger,
  longPressMs: number | undefined,
): Promise<FrontPanel | undefined> {
  const mode = { dev: config.dev };
  const gpioLog = log.child({ room: 'gpio' });
  let panel: FrontPanel;
  try {
    panel = await startFrontPanel({
      listeners: supervisor,
      driver: config.gpio.driver,
      setupDone: (await readSettings(store, mode))['setup.done'],
      log: gpioLog,
      ...(longPressMs !== undefined ? { longPressMs } : {}),
      // A 10-second hold: back to first-boot setup (the web UI asks for a new
      // admin password again). Mail and accounts are never touched.
      onFactoryReset: async () => {
        gpioLog.warn('button held: resetting admin access and network settings; mail is kept');
        await resetAdminAccess(store, gpioLog);
      },
    });
  } catch (err) {
    gpioLog.error({ err: String(err) }, 'front panel unavailable; running without LEDs and button');
    return undefined;
  }
  const stopWatching = watchSettings(store, mode, (settings) => panel.setSetupDone(settings['setup.done']));
  const stopTraffic = store.subscribe((event) => {
    if (event.type === 'message-added' || event.type === 'queue-changed') panel.traffic();
  });
  return {
    ...panel,
    async close() {
      stopWatching();
      stopTraffic();
      await panel.close();
    },
  };
}

/** The one line `systemctl status pochta` shows. */
export function statusLine(listeners: readonly ListenerStatus[]): string {
  const running = listeners.filter((l) => l.state === 'running').length;
  const failed = listeners.filter((l) => l.state === 'failed').map((l) => l.name);
  const restarting = listeners.filter((l) => l.state === 'restarting' || (l.state === 'starting' && l.restarts > 0)).map((l) => l.name);
  const parts = [`${running} of ${listeners.length} listeners running`];
  if (restarting.length > 0) parts.push(`restarting: ${restarting.join(', ')}`);
  if (failed.length > 0) parts.push(`FAILED: ${failed.join(', ')}`);
  return parts.join('; ');
}
