// The runtime of one listener thread: builds the store proxy and a logger,
// imports the listener module, starts its Service, reports 'ready', and
// heartbeats from this thread's event loop so the supervisor notices a hang.
// A 'stop' message stops the Service by its deadline and ends the thread.

import { parentPort, workerData } from 'node:worker_threads';
import { PochtaError } from '../errors.ts';
import type { ListenAddress, ListenerContext, Service, ServiceFactory } from './service.ts';
import { createStoreProxy } from './store-proxy.ts';
import { createWorkerLogger } from './worker-log.ts';
import type { FromWorker, ToWorker, WorkerBoot } from './worker-messages.ts';

if (parentPort === null) throw new Error('worker-main.ts runs only as a worker thread');
const parent = parentPort;
const boot = workerData as WorkerBoot;
const post = (message: FromWorker): void => parent.postMessage(message);

// Beats come from this thread's own event loop, so they stop when it blocks.
// (Before 'ready' the supervisor's start timeout watches instead.)
const beat = setInterval(() => post({ type: 'heartbeat' }), boot.heartbeatMs);
beat.unref();

const log = createWorkerLogger(boot.logLevel, boot.logPretty, { listener: boot.name });
const store = createStoreProxy(boot.storePort, { blobDir: boot.blobDir });
let service: Service | undefined;
let stopping = false;

parent.on('message', (message: ToWorker) => {
  if (message.type === 'stop') void stop(message.deadline);
  else if (message.type === 'fault') injectFault(message.kind);
});

await run();

async function run(): Promise<void> {
  try {
    const mod = (await import(boot.moduleUrl)) as { createService?: ServiceFactory };
    if (typeof mod.createService !== 'function') throw new PochtaError('BAD_CONFIG', `${boot.moduleUrl} does not export createService`);
    const ctx: ListenerContext = {
      name: boot.name,
      ...(boot.address ? { address: boot.address } : {}),
      store,
      log,
      hostname: boot.hostname,
      dataDir: boot.dataDir,
      tls: boot.tls,
      dev: boot.dev,
      now: Date.now,
      ...(boot.options ? { options: boot.options } : {}),
    };
    service = await mod.createService(ctx);
    await service.start();
  } catch (err) {
    log.error({ err }, 'listener failed to start');
    post({ type: 'start-failed', message: err instanceof Error ? err.message : String(err) });
    // Exit rather than linger half-started; the supervisor decides about restarting.
    process.exit(1);
  }
  if (stopping) return;
  const address: ListenAddress | undefined = service.address?.() ?? boot.address;
  post({ type: 'ready', ...(address ? { address } : {}) });
  log.info({ address }, 'listener ready');
}

async function stop(deadline: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await service?.stop(deadline);
  } catch (err) {
    log.warn({ err }, 'listener stop failed');
  }
  await store.close();
  post({ type: 'stopped' });
  clearInterval(beat);
  process.exit(0);
}

function injectFault(kind: 'throw' | 'exit' | 'hang'): void {
  // Only reachable when the supervisor allows faults (dev/test mode); see supervisor.fault().
  log.warn({ kind }, 'injecting fault');
  if (kind === 'exit') process.exit(70);
  setImmediate(() => {
    if (kind === 'throw') throw new Error('injected fault');
    for (;;) {
      // Spin without yielding: the event loop, and with it the heartbeat, stops.
    }
  });
}
