// Run by worker-log.test.ts in a child process, so the test can read the
// listener threads' stdout: starts one echo listener at the log level given
// as argv[2], makes it log a warning, and stops.

import { createLogger } from '../../../firmware/log.ts';
import { createSupervisor, type LogLevel } from '../../../firmware/supervisor/index.ts';
import { spec, statusOf, testOptions, waitForStatus } from './harness.ts';
import { openTestStore } from './store-fixture.ts';

const level = (process.argv[2] ?? 'info') as LogLevel;
const fixture = await openTestStore();
const supervisor = createSupervisor(
  testOptions(fixture, [spec('imap', 'echo')], { logLevel: level, log: createLogger({ level: 'silent' }) }),
);
try {
  await supervisor.start();
  supervisor.fault('imap', 'exit'); // the worker logs 'injecting fault' at warn, then exits
  await waitForStatus(supervisor, 'imap', (s) => s.state === 'running' && s.restarts === 1);
  if (statusOf(supervisor, 'imap').state !== 'running') process.exitCode = 1;
} finally {
  await supervisor.stop(Date.now() + 1000);
  await fixture.cleanup();
}
