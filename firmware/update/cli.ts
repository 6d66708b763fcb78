// `pochta update FILE | --rollback | --status`: the update verb on the box.
// Exported for the main CLI to register; image/overlay/usr/local/bin/pochta
// also runs it directly (main.ts), so an update never depends on the CLI of
// the release it replaces being able to parse the verb.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errorCodeOf, PochtaError } from '../errors.ts';
import { applyUpdate, type HealthReport, rollbackRelease, type UpdateDeps } from './apply.ts';
import { dataSchemaMatcher } from './data-schema.ts';
import { boxHealthCheck } from './health.ts';
import { listReleases, readReleaseLinks } from './releases.ts';
import { runUpdateRequest } from './request.ts';

export const UPDATE_USAGE = `usage: pochta update FILE       verify a signed bundle, install it beside the running release,
                             switch, restart, check health; rolls back by itself on failure
       pochta update --rollback  go back to the previous release
       pochta update --status    the releases on this box
       pochta update --request DIR   run the web UI's request in DIR (request.json, incoming/,
                             status.json); for the root unit pochta-update.service
options: --root DIR (/opt/pochta) --key PEM (/etc/pochta/update-key.pem)
         --service UNIT (pochta.service) --admin-socket PATH (/var/lib/pochta/admin.sock)
         --data DIR (/var/lib/pochta: converted back for an older release on a roll back)
         --timeout SECONDS (180) --json`;

export interface UpdateCliOptions {
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  /** Replaces systemctl restart (tests). */
  readonly restart?: () => Promise<void>;
  /** Replaces the admin socket + /health check (tests). */
  readonly health?: () => Promise<HealthReport>;
  /** The clock for --request's status times (tests). */
  readonly now?: () => Date;
}

interface Args {
  file?: string;
  request?: string;
  rollback: boolean;
  status: boolean;
  json: boolean;
  root: string;
  key: string;
  service: string;
  adminSocket: string;
  dataDir: string;
  timeoutMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    rollback: false,
    status: false,
    json: false,
    root: '/opt/pochta',
    key: '/etc/pochta/update-key.pem',
    service: 'pochta.service',
    adminSocket: process.env['POCHTA_ADMIN_SOCKET'] || '/var/lib/pochta/admin.sock',
    dataDir: '/var/lib/pochta',
    timeoutMs: 180_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new PochtaError('INVALID_ARGUMENT', `${a} needs a value`);
      return v;
    };
    if (a === '--rollback') args.rollback = true;
    else if (a === '--status') args.status = true;
    else if (a === '--request') args.request = value();
    else if (a === '--json') args.json = true;
    else if (a === '--root') args.root = value();
    else if (a === '--key') args.key = value();
    else if (a === '--service') args.service = value();
    else if (a === '--admin-socket') args.adminSocket = value();
    else if (a === '--data') args.dataDir = value();
    else if (a === '--timeout') {
      const s = Number(value());
      if (!Number.isFinite(s) || s <= 0) throw new PochtaError('INVALID_ARGUMENT', '--timeout: expected seconds');
      args.timeoutMs = s * 1000;
    } else if (a.startsWith('-')) throw new PochtaError('INVALID_ARGUMENT', `unknown option ${a}`);
    else if (args.file === undefined) args.file = a;
    else throw new PochtaError('INVALID_ARGUMENT', `one bundle at a time (got ${args.file} and ${a})`);
  }
  const modes = Number(args.file !== undefined) + Number(args.rollback) + Number(args.status) + Number(args.request !== undefined);
  if (modes !== 1) throw new PochtaError('INVALID_ARGUMENT', 'give a bundle FILE, --rollback or --status (or --request DIR)');
  return args;
}

/** Run the verb; resolves with the exit code (0 ok, 1 refused or rolled back, 64 usage, 70 failure). */
export async function runUpdateCli(argv: readonly string[], options: UpdateCliOptions = {}): Promise<number> {
  const out = options.out ?? ((t: string) => process.stdout.write(t));
  const err = options.err ?? ((t: string) => process.stderr.write(t));
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err(`pochta update: ${e instanceof Error ? e.message : String(e)}\n${UPDATE_USAGE}\n`);
    return 64;
  }
  const print = (value: unknown, text: string) => out(args.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
  try {
    if (args.status) {
      const links = await readReleaseLinks(args.root);
      const releases = await listReleases(args.root);
      print(
        { ...links, releases },
        `current:  ${links.current ?? '-'}\nprevious: ${links.previous ?? '-'}\nreleases: ${releases.join(' ') || '-'}`,
      );
      return 0;
    }
    const deps: UpdateDeps = {
      root: args.root,
      publicKey: await readFile(args.key, 'utf8').catch(() => {
        // A request must still be claimed and answered (status.json), or the path unit would start us again and again.
        if (args.request !== undefined) return '';
        throw new PochtaError('BAD_CONFIG', `cannot read the update key ${args.key}`);
      }),
      restart: options.restart ?? (() => systemctl('restart', args.service)),
      health: options.health ?? boxHealthCheck({ adminSocket: args.adminSocket, timeoutMs: args.timeoutMs }),
      // on the box only: tests that fake the restart have no daemon to stop and no releases to ask
      ...(options.restart === undefined
        ? {
            matchData: dataSchemaMatcher({
              root: args.root,
              dataDir: args.dataDir,
              stop: () => systemctl('stop', args.service),
              log: (line) => {
                if (!args.json) err(`pochta update: ${line}\n`);
              },
            }),
          }
        : {}),
      log: (line) => {
        if (!args.json) err(`pochta update: ${line}\n`);
      },
    };
    if (args.request !== undefined) {
      const status = await runUpdateRequest({ dir: args.request, deps, ...(options.now ? { now: options.now } : {}) });
      if (status === undefined) {
        print({ state: 'none' }, `no update request in ${args.request}`);
        return 0;
      }
      print(status, `${status.state}: ${status.message}`);
      return status.state === 'installed' ? 0 : 1;
    }
    if (args.rollback) {
      const r = await rollbackRelease(deps);
      print(r, `now running ${r.to} (was ${r.from}): ${r.health.ok ? 'healthy' : 'NOT healthy'} - ${r.health.detail}`);
      return r.health.ok ? 0 : 70;
    }
    const r = await applyUpdate(args.file!, deps);
    if (r.outcome === 'updated') {
      print(r, `updated to ${r.version} (was ${r.from ?? '-'}): ${r.health.detail}`);
      return 0;
    }
    print(
      r,
      `update to ${r.version} FAILED its health check (${r.health.detail}); rolled back to ${r.from ?? '-'}: ${r.rollbackHealth?.detail ?? ''}`,
    );
    return 1;
  } catch (e) {
    const code = errorCodeOf(e);
    err(`pochta update: ${e instanceof Error ? e.message : String(e)}\n`);
    return code === 'INTERNAL' || code === 'STORAGE_FAILURE' || code === 'DISK_FULL' ? 70 : 1;
  }
}

async function systemctl(verb: 'restart' | 'stop', unit: string): Promise<void> {
  await promisify(execFile)('systemctl', [verb, unit], { timeout: 300_000 });
}
