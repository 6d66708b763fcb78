// One incarnation of a listener: its worker thread, its store bridge, and the
// watchers that decide it is broken (error, unexpected exit, missed heartbeats,
// failed probes, a start that never finishes). It reports the first failure
// once, terminates the thread, and never restarts anything itself: that
// policy lives in the supervisor.

import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type ResourceLimits, Worker } from 'node:worker_threads';
import type { MailStore } from '../store/types.ts';
import type { Probe } from './probes.ts';
import type { ListenAddress, ListenerName, Logger, TlsFiles } from './service.ts';
import { type StoreHost, serveStore } from './store-host.ts';
import type { Timers } from './timers.ts';
import type { FaultKind, FromWorker, LogLevel, ToWorker, WorkerBoot } from './worker-messages.ts';

// Resolve the runtime next to this file with this file's extension, so the same
// code runs from .ts sources and from the compiled .js build.
const WORKER_MAIN = new URL(`./worker-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export interface ListenerSpec {
  readonly name: ListenerName;
  /** Absolute path or file URL of a module exporting `createService: ServiceFactory`. */
  readonly module: string | URL;
  readonly address?: ListenAddress;
  /** How a client would check it (greetingProbe, httpProbe); none for socketless services. */
  readonly probe?: Probe;
  /** Passed to the listener as ctx.options (structured-cloneable). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Heap limits of the thread: a listener that leaks runs out of memory alone and is restarted. */
  readonly resourceLimits?: ResourceLimits;
}

export interface WorkerSettings {
  readonly store: MailStore;
  readonly log: Logger;
  readonly timers: Timers;
  readonly hostname: string;
  readonly dataDir: string;
  readonly blobDir: string;
  readonly tls: TlsFiles;
  readonly dev: boolean;
  readonly logLevel: LogLevel;
  readonly logPretty: boolean;
  readonly heartbeat: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly probe: { readonly intervalMs: number; readonly timeoutMs: number; readonly failures: number };
  readonly startTimeoutMs: number;
  readonly execArgv?: readonly string[];
}

export interface ListenerWorkerEvents {
  ready(address: ListenAddress | undefined): void;
  failed(reason: string): void;
}

export interface ListenerWorker {
  /** The address the listener reported after start (port 0 resolved), else the configured one. */
  readonly address: ListenAddress | undefined;
  /** Resolves once the thread is gone (and its store bridge closed), whatever the reason. */
  readonly exited: Promise<void>;
  /** Ask the service to stop by `deadline`; terminate the thread if it has not exited by then. */
  stop(deadline: number): Promise<void>;
  /** End the thread now (no failure is reported). */
  terminate(): Promise<void>;
  /** Dev/test fault injection. */
  fault(kind: FaultKind): void;
  /** Resolves when every store call this listener started has settled on the main thread. */
  drained(): Promise<void>;
}

export function startListenerWorker(spec: ListenerSpec, settings: WorkerSettings, events: ListenerWorkerEvents): ListenerWorker {
  const { timers } = settings;
  const log = settings.log.child({ listener: spec.name });
  const channel = new MessageChannel();
  const host: StoreHost = serveStore(settings.store, channel.port1, { log });
  const moduleUrl = spec.module instanceof URL ? spec.module.href : toFileUrl(spec.module);
  const boot: WorkerBoot = {
    name: spec.name,
    moduleUrl,
    ...(spec.address ? { address: spec.address } : {}),
    hostname: settings.hostname,
    dataDir: settings.dataDir,
    tls: settings.tls,
    dev: settings.dev,
    logLevel: settings.logLevel,
    logPretty: settings.logPretty,
    blobDir: settings.blobDir,
    heartbeatMs: settings.heartbeat.intervalMs,
    ...(spec.options ? { options: spec.options } : {}),
    storePort: channel.port2,
  };
  const worker = new Worker(WORKER_MAIN, {
    workerData: boot,
    transferList: [channel.port2],
    name: `pochta-${spec.name}`,
    ...(spec.resourceLimits ? { resourceLimits: spec.resourceLimits } : {}),
    ...(settings.execArgv ? { execArgv: [...settings.execArgv] } : {}),
  });

  let address = spec.address;
  let done = false; // failed, stopping or exited: report nothing more
  let ready = false;
  let beatsSinceCheck = 0;
  let silentChecks = 0;
  let probing = false;
  let probeFailures = 0;
  let probeTimer: unknown;

  const clearWatchers = (): void => {
    timers.clearInterval(heartbeatTimer);
    timers.clearTimeout(startTimer);
    if (probeTimer !== undefined) timers.clearInterval(probeTimer);
  };

  let resolveExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    resolveExited = resolve;
  });

  const fail = (reason: string): void => {
    if (done) return;
    done = true;
    clearWatchers();
    log.warn({ reason }, 'listener failed');
    void worker.terminate();
    events.failed(reason);
  };

  // Count intervals without a beat instead of comparing clock readings, so a
  // jump of the injected clock never looks like a hang.
  // Silence counts only once the listener is up: loading modules can block a
  // fresh thread for a while, and the start timeout already covers that phase.
  const heartbeatTimer = timers.setInterval(() => {
    if (!ready) return;
    if (beatsSinceCheck > 0) silentChecks = 0;
    else silentChecks++;
    beatsSinceCheck = 0;
    if (silentChecks * settings.heartbeat.intervalMs >= settings.heartbeat.timeoutMs) {
      fail(`no heartbeat for ${silentChecks * settings.heartbeat.intervalMs} ms (event loop blocked)`);
    }
  }, settings.heartbeat.intervalMs);

  const startTimer = timers.setTimeout(() => fail(`did not start within ${settings.startTimeoutMs} ms`), settings.startTimeoutMs);

  const runProbe = async (probe: Probe, target: ListenAddress): Promise<void> => {
    if (probing || done) return;
    probing = true;
    try {
      await probe(target, settings.probe.timeoutMs);
      probeFailures = 0;
    } catch (err) {
      probeFailures++;
      const reason = err instanceof Error ? err.message : String(err);
      log.warn({ reason, probeFailures }, 'probe failed');
      if (probeFailures >= settings.probe.failures) fail(`probe failed: ${reason}`);
    } finally {
      probing = false;
    }
  };

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'heartbeat':
        beatsSinceCheck++;
        return;
      case 'ready': {
        if (done || ready) return;
        timers.clearTimeout(startTimer);
        ready = true;
        beatsSinceCheck = 0;
        silentChecks = 0;
        address = message.address ?? address;
        const { probe } = spec;
        const target = address;
        if (probe && target) probeTimer = timers.setInterval(() => void runProbe(probe, target), settings.probe.intervalMs);
        events.ready(address);
        return;
      }
      case 'start-failed':
        fail(`start failed: ${message.message}`);
        return;
      case 'stopped':
        return;
    }
  });
  worker.on('error', (err) => fail(`uncaught: ${err instanceof Error ? err.message : String(err)}`));
  worker.on('exit', (code) => {
    fail(`exited with code ${code}`);
    host.close();
    resolveExited();
  });

  const post = (message: ToWorker): void => worker.postMessage(message);

  return {
    get address() {
      return address;
    },
    exited,
    async stop(deadline) {
      if (!done) {
        done = true;
        clearWatchers();
        post({ type: 'stop', deadline });
      }
      const wait = Math.max(0, deadline - Date.now());
      let killer: unknown;
      await Promise.race([exited, new Promise<void>((resolve) => (killer = timers.setTimeout(resolve, wait)))]);
      timers.clearTimeout(killer);
      await worker.terminate();
      await exited;
    },
    async terminate() {
      done = true;
      clearWatchers();
      await worker.terminate();
      await exited;
    },
    fault(kind) {
      if (!done) post({ type: 'fault', kind });
    },
    drained: () => host.idle(),
  };
}

function toFileUrl(module: string): string {
  return module.startsWith('file:') ? module : pathToFileURL(module).href;
}
