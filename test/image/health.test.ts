// The update's health check against a real daemon (web listener only, to keep
// it quick): healthy while it runs, a clear "not answering" once it stopped.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boxHealthCheck, checkOnce } from '../../firmware/update/index.ts';
import { startDaemon, type TestDaemon } from '../support/daemon.ts';

let daemon: TestDaemon;
before(async () => {
  daemon = await startDaemon({ only: ['web'] });
});
after(async () => {
  await daemon?.stop();
});

test('a running daemon is healthy: listeners running and /health 200', async () => {
  const report = await checkOnce(daemon.adminSocket);
  assert.equal(report.ok, true, report.detail);
  assert.match(report.detail, /listeners running, \/health 200/);
});

test('a stopped daemon is not healthy, and the poll gives up at its deadline', async () => {
  const socket = daemon.adminSocket;
  await daemon.stop();
  let t = 0;
  const sleeps: number[] = [];
  const check = boxHealthCheck({
    adminSocket: socket,
    timeoutMs: 3000,
    intervalMs: 1000,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  });
  const report = await check();
  assert.equal(report.ok, false);
  assert.match(report.detail, /daemon not answering/);
  assert.deepEqual(sleeps, [1000, 1000, 1000]);
});
