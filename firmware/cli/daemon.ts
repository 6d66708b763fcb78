// `pochta serve` put together: the one place that wires config, log, store,
// TLS, admin socket and supervisor. The store is opened here, once, before any
// listener starts (LevelDB allows one opener); listeners reach it through the
// supervisor's bridge.

import { mkdir } from 'node:fs/promises';
import type { AdminDeps } from '../admin/actions.ts';
import { runAdminAction } from '../admin/actions.ts';
import { startAdminServer } from '../admin/socket-server.ts';
import { storeAddresses, storePasswords } from '../admin/store-tools.ts';
import { type Config, configError } from '../config/bootstrap.ts';
import { readSettings, watchSettings } from '../config/settings.ts';
import { type FrontPanel, startFrontPanel } from '../gpio/index.ts';
import type { RootLogger } from '../log.ts';
import { analyze } from '../mime/index.ts';
import { ensureTlsFiles } from '../net/tls.ts';
import { openStore } from '../store/index.ts';
import type { MailStore } from '../store/types.ts';
import { createSupervisor, type Supervisor } from '../supervisor/index.ts';
import { type DemoResult, ensureDevDemo } from './dev-demo.ts';
import { LISTENERS, type ListenerEntry } from './listener-registry.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly log: RootLogger;
  readonly version: string;
  /** Which listeners to run; default: the registry. */
  readonly listeners?: readonly ListenerEntry[];
  readonly now?: () => number;
}

export interface Daemon {
  readonly store: MailStore;
  readonly supervisor: Supervisor;
  readonly adminDeps: AdminDeps;
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
  await mkdir(config.dataDir, { recursive: true, mode: 0o750 }).catch((err: NodeJS.ErrnoException) => {
    // Most often a wrong --data or a missing chown on the box: a config problem (exit 78), not a crash.
    throw configError('dataDir', `cannot create ${config.dataDir} (${err.code ?? err.message})`);
  });

  // Each new body is parsed once at delivery (ENVELOPE, BODYSTRUCTURE, search
  // text) so IMAP never re-parses it per FETCH.
  const store = await openStore({ dir: config.dataDir, now, analyze: (body) => analyze(body) });
  const closers: (() => Promise<void>)[] = [() => store.close()];
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
    });

    const panel = await startPanel(config, supervisor, store, log);
    if (panel) closers.push(() => panel.close());

    const adminDeps: AdminDeps = {
      store,
      config,
      passwords: storePasswords,
      addresses: storeAddresses,
      listeners: () => supervisor.status(),
      restartListener: (name) => supervisor.restart(name),
      ...(panel ? { panel } : {}),
      version: options.version,
      now,
      startedAt,
    };
    const demo = config.dev ? await ensureDevDemo(adminDeps) : undefined;

    const admin = await startAdminServer({
      path: config.adminSocket,
      handle: (action, params) => runAdminAction(adminDeps, action, params),
      log: log.child({ room: 'admin' }),
    });
    closers.push(() => admin.close());

    await supervisor.start();
    log.info({ listeners: supervisor.status().map((l) => ({ name: l.name, state: l.state, address: l.address })) }, 'pochta ready');

    return {
      store,
      supervisor,
      adminDeps,
      ...(demo ? { demo } : {}),
      ...(panel ? { panel } : {}),
      async stop(deadline) {
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
async function startPanel(config: Config, supervisor: Supervisor, store: MailStore, log: RootLogger): Promise<FrontPanel | undefined> {
  const mode = { dev: config.dev };
  const gpioLog = log.child({ room: 'gpio' });
  let panel: FrontPanel;
  try {
    panel = await startFrontPanel({
      listeners: supervisor,
      driver: config.gpio.driver,
      setupDone: (await readSettings(store, mode))['setup.done'],
      log: gpioLog,
      // A 10-second hold: back to first-boot setup (the web UI asks for a new
      // admin password again). Mail and accounts are never touched.
      onFactoryReset: async () => {
        gpioLog.warn('button held: resetting setup; mail is kept');
        await store.setSettings({ 'setup.done': undefined });
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
