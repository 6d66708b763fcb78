// The `pochta` command line: finds the verb, reads the shared flags (--json,
// --data, --config, --dev), talks to the daemon over its admin socket, or works
// on the data directly when no daemon runs, and maps failures to exit codes.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { connectAdmin } from '../admin/socket-client.ts';
import { type Config, loadConfig } from '../config/bootstrap.ts';
import { errorCodeOf, PochtaError } from '../errors.ts';
import { COMMANDS, type Command, checkArgCount, commandsFor, findCommand, type ParsedCommand } from './commands.ts';
import { type CliIo, EXIT } from './io.ts';

export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  data: { type: 'string' },
  config: { type: 'string' },
  dev: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** A bad command line: printed with the usage, exit 64. */
class UsageError extends Error {}

export function usage(commands: readonly Command[] = COMMANDS): string {
  const lines = [
    'usage: pochta VERB [ARGS] [--json] [--data DIR] [--config FILE] [--dev]',
    '',
    '  serve [--dev] [--data DIR] [--listen NAME=HOST:PORT ...] [--config FILE] [--hostname NAME] [--log-level LEVEL]',
    '        run the daemon',
    ...commands.map((c) => `  ${[...c.words, c.usage].filter(Boolean).join(' ')}\n        ${c.summary}`),
    '  restore DIR',
    '        replace the data of a STOPPED daemon with a backup',
    '  update FILE | --rollback | --status',
    '        install a signed update bundle beside the running release (rolls back by itself if unhealthy)',
    '  version',
    '',
    'Passwords are read from stdin (a hidden prompt on a terminal), never from the command line.',
    'Without a running daemon, verbs other than status work on the data directory directly.',
  ];
  return `${lines.join('\n')}\n`;
}

/** Run one `pochta` invocation; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, version: string): Promise<number> {
  const [verb] = argv;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    (verb === undefined ? io.stderr : io.stdout).write(usage(commandsFor(devMode(argv, io))));
    return verb === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (verb === 'version' || verb === '--version') {
    io.stdout.write(`pochta ${version}\n`);
    return EXIT.OK;
  }
  // The daemon and direct store access load LevelDB and the supervisor; a verb
  // that talks to the socket needs neither, so they are imported on demand.
  if (verb === 'serve') return (await import('./serve.ts')).serveCommand(argv.slice(1), io, version);
  // Updates replace the release the CLI itself runs from, so they live in their own room.
  if (verb === 'update') {
    const { runUpdateCli } = await import('../update/index.ts');
    return runUpdateCli(argv.slice(1), { out: (t) => io.stdout.write(t), err: (t) => io.stderr.write(t) });
  }

  let json = argv.includes('--json');
  try {
    if (verb === 'restore') return await restoreCommand(argv.slice(1), io);
    if (verb === 'store') return await storeSchemaCommand(argv.slice(1), io);
    const found = findCommand(argv, commandsFor(devMode(argv, io)));
    if (!found) throw new UsageError(`unknown command: ${argv.slice(0, 2).join(' ')}`);
    const { command, rest } = found;
    const parsed = parse(rest, { ...COMMON_OPTIONS, ...command.options });
    json = parsed.values['json'] === true;
    if (parsed.values['help']) {
      io.stdout.write(`usage: pochta ${[...command.words, command.usage].filter(Boolean).join(' ')}\n  ${command.summary}\n`);
      return EXIT.OK;
    }
    try {
      checkArgCount(command, parsed);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const config = configFrom(parsed, io);
    // Find the daemon before asking for a password, so nobody types one for nothing.
    // A backup or fsck of a full SD card takes minutes; everything else answers at once.
    const slow = command.words[0] === 'backup' || command.words[0] === 'fsck';
    const client = await connectAdmin(config.adminSocket, { timeoutMs: slow ? 6 * 3600_000 : 120_000 }).catch((err: unknown) => {
      if (errorCodeOf(err) !== 'DAEMON_NOT_RUNNING') throw err;
      const hint = devHint(config, io);
      if (command.needsDaemon) throw new PochtaError('DAEMON_NOT_RUNNING', `${(err as PochtaError).detail}${hint}`);
      // Never create a store by accident (a mistyped --data, or /var/lib/pochta on a dev machine).
      if (!existsSync(join(config.dataDir, 'db'))) {
        throw new PochtaError(
          'DAEMON_NOT_RUNNING',
          `the daemon is not running and ${config.dataDir} holds no pochta data${hint || ' (check --data)'}`,
        );
      }
      return undefined;
    });
    let result: unknown;
    try {
      const { action, params } = await command.build(parsed, io);
      if (client) {
        // Only a failed connect means "no daemon": a call that fails is never run a second time offline.
        result = await client.call(action, params);
      } else {
        io.stderr.write(`pochta: the daemon is not running; working on ${config.dataDir} directly\n`);
        const { runOffline } = await import('./store-access.ts');
        result = await runOffline(config, version, action, params);
      }
    } finally {
      client?.close();
    }
    io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : await command.format(result, parsed));
    return EXIT.OK;
  } catch (err) {
    return reportError(err, io, json);
  }
}

/**
 * `pochta store schema` (the schema of the data and the newest this firmware
 * knows) and `pochta store downgrade --to N` (the data back to schema N for an
 * older release; the updater runs it when it rolls an update back). Both work
 * on the data directory itself, so the daemon must be stopped.
 */
async function storeSchemaCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parse(args, { ...COMMON_OPTIONS, to: { type: 'string' } });
  const [sub, ...extra] = parsed.positionals;
  if ((sub !== 'schema' && sub !== 'downgrade') || extra.length > 0) {
    throw new UsageError('usage: pochta store schema | store downgrade --to N   [--data DIR] (daemon stopped)');
  }
  const config = configFrom(parsed, io);
  const json = parsed.values['json'] === true;
  const { STORE_SCHEMA, downgradeStore, storedSchema } = await import('../store/index.ts');
  if (sub === 'schema') {
    // the supported schema needs no data: an updater asks an older release that has none to hand
    const stored = existsSync(join(config.dataDir, 'db')) ? await storedSchema(config.dataDir).catch(() => undefined) : undefined;
    const view = { supported: STORE_SCHEMA, ...(stored === undefined ? {} : { stored }) };
    io.stdout.write(
      json
        ? `${JSON.stringify(view)}
`
        : `this firmware knows store schema 1..${STORE_SCHEMA}; the data is at ${stored ?? 'no data'}
`,
    );
    return EXIT.OK;
  }
  const target = Number(parsed.values['to']);
  if (!Number.isInteger(target) || target < 1) throw new UsageError('store downgrade needs --to N (a schema version)');
  await refuseWhileRunning(config);
  const result = await downgradeStore(config.dataDir, target);
  io.stdout.write(
    json
      ? `${JSON.stringify(result)}
`
      : `store schema ${result.from} -> ${result.to}
`,
  );
  return EXIT.OK;
}

/** The store lock would refuse too, but this says why in plain words. */
async function refuseWhileRunning(config: Config): Promise<void> {
  const client = await connectAdmin(config.adminSocket).catch((err: unknown) => {
    if (errorCodeOf(err) === 'DAEMON_NOT_RUNNING') return undefined;
    throw err;
  });
  if (client) {
    client.close();
    throw new PochtaError('DAEMON_RUNNING', `the daemon using ${config.dataDir} is running; stop it first (systemctl stop pochta)`);
  }
}

async function restoreCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parse(args, COMMON_OPTIONS);
  if (parsed.positionals.length !== 1) throw new UsageError('usage: pochta restore DIR [--data DIR]');
  const config = configFrom(parsed, io);
  await refuseWhileRunning(config);
  const { restoreInto } = await import('./store-access.ts');
  const result = await restoreInto(config, parsed.positionals[0]!, io.cwd);
  io.stdout.write(parsed.values['json'] ? `${JSON.stringify(result, null, 2)}\n` : `restored ${result.from} into ${result.into}\n`);
  return EXIT.OK;
}

/** A newcomer running `npx pochta status` next to `npm start` forgot --dev: say so. */
function devHint(config: Config, io: CliIo): string {
  if (config.dev || !existsSync(join(io.cwd, 'data', 'admin.sock'))) return '';
  return '; a dev daemon runs in ./data: add --dev';
}

/**
 * Dev mode as the config sees it (--dev, POCHTA_DEV, the config file), read
 * before the verb is looked up: the debug verbs exist only there. A config
 * that does not load counts as appliance mode; the verb then reports it.
 */
function devMode(argv: readonly string[], io: CliIo): boolean {
  try {
    const { values } = parseArgs({ args: [...argv], options: COMMON_OPTIONS, allowPositionals: true, strict: false });
    return configFrom({ values, positionals: [] }, io).dev;
  } catch {
    return false;
  }
}

function parse(args: readonly string[], options: ParseArgsOptionsConfig): ParsedCommand {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function configFrom(parsed: ParsedCommand, io: CliIo): Config {
  const v = parsed.values;
  return loadConfig({
    flags: {
      ...(typeof v['config'] === 'string' ? { config: v['config'] } : {}),
      ...(typeof v['data'] === 'string' ? { data: v['data'] } : {}),
      ...(v['dev'] === true ? { dev: true } : {}),
    },
    env: io.env,
    cwd: io.cwd,
  });
}

/** Print one line (or a JSON error object) and pick the exit code. */
export function reportError(err: unknown, io: CliIo, json: boolean): number {
  if (err instanceof UsageError) {
    io.stderr.write(`pochta: ${err.message}\n(pochta help lists the verbs)\n`);
    return EXIT.USAGE;
  }
  const code = errorCodeOf(err);
  const message = err instanceof PochtaError ? err.detail : code === 'INTERNAL' ? String((err as Error)?.message ?? err) : String(err);
  if (json) io.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
  if (code === 'BAD_CONFIG') {
    io.stderr.write(`pochta: bad config: ${message}\n`);
    return EXIT.CONFIG;
  }
  io.stderr.write(`pochta: ${message} [${code}]\n`);
  if (code === 'DAEMON_NOT_RUNNING') return EXIT.UNAVAILABLE;
  if (code === 'INTERNAL' || code === 'STORAGE_FAILURE' || code === 'DISK_FULL' || code === 'SCHEMA_TOO_NEW') return EXIT.SOFTWARE;
  return EXIT.FAILED;
}
