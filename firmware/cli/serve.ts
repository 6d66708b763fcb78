// `pochta serve`: read the config, start the daemon, wait for SIGTERM/SIGINT,
// stop everything by a deadline and exit. systemd's Restart=always covers a
// crash of the whole process.

import { parseArgs } from 'node:util';
import { serviceManagerFromEnv } from '../box/index.ts';
import { formatHostPort } from '../config/address.ts';
import { loadConfig } from '../config/bootstrap.ts';
import { errorCodeOf, PochtaError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { type Daemon, startDaemon } from './daemon.ts';
import { type CliIo, EXIT } from './io.ts';
import { parseTimings, type Timings } from './timings.ts';

/** How long listeners get to finish their sessions on SIGTERM. */
const STOP_GRACE_MS = 10_000;

export async function serveCommand(args: readonly string[], io: CliIo, version: string): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        dev: { type: 'boolean' },
        data: { type: 'string' },
        listen: { type: 'string', multiple: true },
        config: { type: 'string' },
        hostname: { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr.write(`pochta serve: ${(err as Error).message}\n`);
    return EXIT.USAGE;
  }

  let config: ReturnType<typeof loadConfig>;
  let timings: Timings;
  try {
    timings = parseTimings(io.env['POCHTA_TIMINGS']);
    config = loadConfig({
      flags: {
        ...(values['dev'] === true ? { dev: true } : {}),
        ...(typeof values['data'] === 'string' ? { data: values['data'] } : {}),
        ...(Array.isArray(values['listen']) ? { listen: values['listen'] as string[] } : {}),
        ...(typeof values['config'] === 'string' ? { config: values['config'] } : {}),
        ...(typeof values['hostname'] === 'string' ? { hostname: values['hostname'] } : {}),
        ...(typeof values['log-level'] === 'string' ? { logLevel: values['log-level'] } : {}),
      },
      env: io.env,
      cwd: io.cwd,
    });
  } catch (err) {
    if (errorCodeOf(err) !== 'BAD_CONFIG') throw err;
    io.stderr.write(`pochta: bad config: ${(err as PochtaError).detail}\n`);
    return EXIT.CONFIG;
  }

  const log = createLogger({ level: config.log.level, pretty: config.log.pretty, destination: io.stdout });
  log.info({ version, dataDir: config.dataDir, dev: config.dev, hostname: config.hostname }, 'pochta starting');

  // Listen for signals before starting: a stop requested while listeners come
  // up waits for them and then stops cleanly, instead of killing mid-start.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while stopping means "now".
      process.once('SIGTERM', () => process.exit(EXIT.SOFTWARE));
      process.once('SIGINT', () => process.exit(EXIT.SOFTWARE));
      resolve(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

  let daemon: Daemon;
  try {
    // systemd (Type=notify) tells us where to report through NOTIFY_SOCKET and
    // WATCHDOG_USEC; POCHTA_SYSTEMD_NOTIFY replaces the systemd-notify binary (tests).
    const serviceManager = serviceManagerFromEnv(io.env, {
      ...(io.env['POCHTA_SYSTEMD_NOTIFY'] ? { command: io.env['POCHTA_SYSTEMD_NOTIFY'] } : {}),
      log: log.child({ room: 'box' }),
    });
    if (serviceManager.notifier.active) {
      log.info(
        { watchdogMs: serviceManager.watchdogMs ?? null },
        'systemd notify socket found: READY, STATUS and watchdog pets go to systemd',
      );
    }
    daemon = await startDaemon({ config, log, version, timings, serviceManager });
  } catch (err) {
    const code = errorCodeOf(err);
    const message = err instanceof PochtaError ? err.detail : String((err as Error)?.message ?? err);
    log.fatal({ code, err: message }, 'cannot start');
    if (code === 'BAD_CONFIG') {
      io.stderr.write(`pochta: bad config: ${message}\n`);
      return EXIT.CONFIG;
    }
    io.stderr.write(`pochta: cannot start: ${message}\n`);
    return EXIT.SOFTWARE;
  }

  if (config.dev) io.stdout.write(devBanner(daemon, config.adminSocket));

  // A bug in the main thread leaves the process in an unknown state: log it and
  // exit, and let systemd (Restart=always) start a clean one.
  const crash = (err: unknown) => {
    log.fatal({ err: err instanceof Error ? err.stack : String(err) }, 'main thread crashed');
    process.exit(EXIT.SOFTWARE);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const signal = await stopSignal;
  log.info({ signal }, 'stopping');
  await daemon.stop(Date.now() + STOP_GRACE_MS);
  log.info('stopped');
  return EXIT.OK;
}

function devBanner(daemon: Daemon, adminSocket: string): string {
  const lines = ['', 'Pochta is running in dev mode.'];
  for (const l of daemon.supervisor.status()) {
    const address = l.address ? formatHostPort(l.address) : '';
    const url = l.name === 'web' && l.address ? `http://${address}/` : address;
    lines.push(`  ${l.name.padEnd(10)} ${url}  (${l.state})`);
  }
  const demo = daemon.demo;
  if (demo?.password) {
    lines.push('', `  Demo account (shown only this once): ${demo.address}  password: ${demo.password}`);
  } else if (demo) {
    lines.push('', `  Demo account ${demo.address} exists (its password was shown on the first start;`);
    lines.push(`  set a new one with: npx pochta user passwd ${demo.address} --dev).`);
  }
  lines.push(`  Admin socket: ${adminSocket}   Try: npx pochta status --dev   Stop with Ctrl-C.`, '');
  return `${lines.join('\n')}\n`;
}
