// The watchdog side of the box: the notify link, the real systemd-notify
// spawning path (with a fake binary), and the rule that WATCHDOG=1 comes only
// from the supervisor's health tick, which stops for a stuck main loop or a
// store that no longer answers.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  createServiceManagerLink,
  healthIntervalMs,
  type RecordingNotifier,
  recordingNotifier,
  serviceManagerFromEnv,
  systemdNotifier,
} from '../../firmware/box/index.ts';
import { createLogger } from '../../firmware/log.ts';
import { openStore } from '../../firmware/store/index.ts';
import type { MailStore } from '../../firmware/store/types.ts';
import { createSupervisor, type Supervisor } from '../../firmware/supervisor/index.ts';
import { sleep, waitFor } from './support.ts';

const pets = (n: RecordingNotifier) => n.sent.filter((m) => m.fields['WATCHDOG'] === '1');

describe('service manager link from the environment', () => {
  it('off systemd records instead of sending, with no watchdog', async () => {
    const link = serviceManagerFromEnv({});
    assert.equal(link.notifier.active, false);
    assert.equal(link.watchdogMs, undefined);
    link.ready('1 of 1 listeners running');
    link.pet();
    const stats = link.stats();
    assert.deepEqual({ systemd: stats.systemd, ready: stats.ready, pets: stats.pets }, { systemd: false, ready: true, pets: 1 });
    assert.deepEqual(
      (link.notifier as RecordingNotifier).sent.map((m) => m.fields),
      [{ READY: '1', STATUS: '1 of 1 listeners running' }, { WATCHDOG: '1' }],
    );
  });

  it('takes the watchdog deadline only when it is meant for this process', () => {
    const env = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' };
    assert.equal(serviceManagerFromEnv(env).watchdogMs, 30_000);
    assert.equal(serviceManagerFromEnv({ ...env, WATCHDOG_PID: String(process.pid) }).watchdogMs, 30_000);
    // A child that inherited the variables must not pet for its parent.
    assert.equal(serviceManagerFromEnv({ ...env, WATCHDOG_PID: '1' }).watchdogMs, undefined);
    assert.equal(serviceManagerFromEnv({ WATCHDOG_USEC: '30000000' }).watchdogMs, undefined);
    // WatchdogSec=30: a tick every 5 s (three chances per deadline, never slower than 5 s).
    assert.equal(healthIntervalMs(30_000), 5000);
    assert.equal(healthIntervalMs(3000), 1000);
    assert.equal(healthIntervalMs(undefined), 5000);
  });

  it('READY=1 is sent once; later calls only update STATUS', () => {
    const notifier = recordingNotifier();
    const link = createServiceManagerLink({ notifier });
    link.ready('2 of 3 listeners running');
    link.ready('3 of 3 listeners running');
    link.stopping();
    assert.deepEqual(
      notifier.sent.map((m) => m.fields),
      [{ READY: '1', STATUS: '2 of 3 listeners running' }, { STATUS: '3 of 3 listeners running' }, { STOPPING: '1', STATUS: 'stopping' }],
    );
  });
});

describe('systemd-notify as the sender', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-notify-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes KEY=VALUE arguments and NOTIFY_SOCKET, one line per value', async () => {
    const fake = join(dir, 'fake-notify');
    const log = join(dir, 'sent.log');
    await writeFile(fake, `#!/bin/sh\nprintf "%s|%s\\n" "$NOTIFY_SOCKET" "$*" >> ${log}\n`);
    await chmod(fake, 0o755);
    const notifier = systemdNotifier({ socket: '/run/test.sock', command: fake });
    await notifier.send({ READY: '1', STATUS: 'two\nlines' });
    assert.equal(await readFile(log, 'utf8'), '/run/test.sock|READY=1 STATUS=two lines\n');
  });

  it('a pet still under way (systemd-notify waiting on PID 1) makes the next one a no-op; a stuck sender is killed', async () => {
    const slow = join(dir, 'slow-notify');
    const count = join(dir, 'count.log');
    await writeFile(slow, `#!/bin/sh\necho x >> ${count}\nexec sleep 5\n`);
    await chmod(slow, 0o755);
    const warnings: unknown[] = [];
    const link = createServiceManagerLink({
      notifier: systemdNotifier({ socket: '/run/test.sock', command: slow, timeoutMs: 300, log: { warn: (o) => warnings.push(o) } }),
    });
    link.pet();
    link.pet();
    link.pet();
    await waitFor('the stuck sender killed and logged', async () => (warnings.length > 0 ? true : undefined), 5000);
    assert.equal((await readFile(count, 'utf8')).trim().split('\n').length, 1);
    link.pet(); // free again after the kill
    await waitFor('a second sender', async () => ((await readFile(count, 'utf8')).trim().split('\n').length === 2 ? true : undefined));
  });

  it('the real systemd-notify with no one listening fails quietly (logged, not thrown)', async (t) => {
    const warnings: unknown[] = [];
    const notifier = systemdNotifier({ socket: join(dir, 'nobody.sock'), log: { warn: (o) => warnings.push(o) } });
    await notifier.send({ WATCHDOG: '1' });
    const first = warnings[0] as { err?: string } | undefined;
    if (first && /ENOENT/.test(first.err ?? '') && /spawn/.test(first.err ?? '')) t.skip('systemd-notify is not installed here');
    assert.equal(warnings.length, 1);
  });
});

describe('pets come only from the health tick', () => {
  let dir: string;
  let store: MailStore;
  let supervisor: Supervisor | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-watchdog-'));
    store = await openStore({ dir });
  });
  afterEach(async () => {
    await supervisor?.stop(Date.now() + 1000);
    await store.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  function start(notifier: RecordingNotifier, check?: () => Promise<unknown>): Supervisor {
    const link = createServiceManagerLink({ notifier, now: () => performance.now() });
    supervisor = createSupervisor({
      store,
      log: createLogger({ level: 'silent' }),
      listeners: [],
      hostname: 'box.test',
      dataDir: dir,
      tls: { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') },
      dev: false,
      health: { intervalMs: 20, timeoutMs: 100, ...(check ? { check } : {}) },
      onHealthy: () => link.pet(),
    });
    return supervisor;
  }

  it('a stuck main event loop gets no pets until it runs again', async () => {
    const notifier = recordingNotifier(() => performance.now());
    await start(notifier).start();
    await waitFor('pets', async () => (pets(notifier).length >= 3 ? true : undefined));
    // Block this (the supervisor's) thread for 400 ms, as a runaway loop would.
    const from = performance.now();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
    const to = performance.now();
    await waitFor('pets again', async () => (pets(notifier).some((m) => m.at > to) ? true : undefined));
    const during = pets(notifier).filter((m) => m.at > from && m.at < to);
    assert.deepEqual(during, [], 'no pet while the loop was stuck');
  });

  it('a store that does not answer, or is closed, stops the pets', async () => {
    const notifier = recordingNotifier(() => performance.now());
    let hung = false;
    await start(notifier, () => (hung ? new Promise(() => {}) : store.getSetting('supervisor.health-probe'))).start();
    await waitFor('pets', async () => (pets(notifier).length >= 2 ? true : undefined));
    hung = true;
    await sleep(60); // a check already under way may still finish
    const frozen = pets(notifier).length;
    await sleep(250);
    assert.equal(pets(notifier).length, frozen, 'no pet while the store hangs');
    hung = false;
    await waitFor('pets again', async () => (pets(notifier).length > frozen ? true : undefined));
    await store.close();
    await sleep(60);
    const closed = pets(notifier).length;
    await sleep(250);
    assert.equal(pets(notifier).length, closed, 'no pet once the store is closed');
  });
});
