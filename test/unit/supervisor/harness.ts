// Shared set-up for supervisor tests: short timings, silent logs, the test
// listener modules, and bounded waits on listener state.

import { createLogger } from '../../../firmware/log.ts';
import type { ListenerSpec, Supervisor, SupervisorOptions } from '../../../firmware/supervisor/index.ts';
import type { ListenerName, ListenerStatus } from '../../../firmware/supervisor/service.ts';
import type { TestStore } from './store-fixture.ts';

const LISTENERS = new URL('../../support/listeners/', import.meta.url);

export function listenerModule(file: 'echo' | 'throwing' | 'exiting' | 'hanging' | 'mute'): URL {
  return new URL(`${file}.ts`, LISTENERS);
}

export function spec(name: ListenerName, file: Parameters<typeof listenerModule>[0], extra: Partial<ListenerSpec> = {}): ListenerSpec {
  return { name, module: listenerModule(file), address: { host: '127.0.0.1', port: 0 }, ...extra };
}

/**
 * Options with test timings: 50 ms backoff, 50 ms heartbeats (a hang after 600 ms),
 * probes every 100 ms with a 600 ms timeout. The timeouts leave room for a
 * loaded 2-core machine; the tests wait for states, never for fixed times.
 */
export function testOptions(
  fixture: TestStore,
  listeners: readonly ListenerSpec[],
  overrides: Partial<SupervisorOptions> = {},
): SupervisorOptions {
  return {
    store: fixture.store,
    log: createLogger({ level: 'silent' }),
    logLevel: 'silent',
    listeners,
    hostname: 'box.test',
    dataDir: fixture.dir,
    tls: { certPath: '/nonexistent/cert.pem', keyPath: '/nonexistent/key.pem' },
    dev: true,
    backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 60_000 },
    failure: { maxRestarts: 5, windowMs: 60_000 },
    heartbeat: { intervalMs: 50, timeoutMs: 600 },
    probe: { intervalMs: 100, timeoutMs: 600, failures: 1 },
    startTimeoutMs: 5000,
    ...overrides,
  };
}

export function statusOf(supervisor: Supervisor, name: ListenerName): ListenerStatus {
  const found = supervisor.status().find((s) => s.name === name);
  if (!found) throw new Error(`no listener ${name}`);
  return found;
}

/** Resolve with the first status of `name` that satisfies `test` (checked now and on every change). */
export function waitForStatus(
  supervisor: Supervisor,
  name: ListenerName,
  test: (status: ListenerStatus) => boolean,
  timeoutMs = 5000,
): Promise<ListenerStatus> {
  const current = statusOf(supervisor, name);
  if (test(current)) return Promise.resolve(current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${name} did not reach the expected state; now ${JSON.stringify(statusOf(supervisor, name))}`));
    }, timeoutMs);
    const off = supervisor.on('change', (status) => {
      if (status.name !== name || !test(status)) return;
      clearTimeout(timer);
      off();
      resolve(status);
    });
  });
}

export function addressOf(supervisor: Supervisor, name: ListenerName): { host: string; port: number } {
  const address = statusOf(supervisor, name).address;
  if (!address || address.port === 0) throw new Error(`${name} has no bound address`);
  return address;
}
