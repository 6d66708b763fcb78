// The admin verbs of `pochta`, as data: how each one reads its arguments, which
// admin action it runs, and how its result reads for a person. The runner
// (run.ts) does the shared parts: common flags, finding the daemon, errors.

import { resolve } from 'node:path';
import type { ParseArgsOptionsConfig } from 'node:util';
import type { AccountView, DomainView, SettingView, StatusView } from '../admin/actions.ts';
import type { BackupScheduleView } from '../admin/web-actions.ts';
import type { QueueDetail, QueueSummary } from '../delivery/outbound/admin.ts';
import { PochtaError } from '../errors.ts';
import type { BoardState } from '../gpio/index.ts';
import type { Alias, FsckReport } from '../store/types.ts';
import type { ListenerStatus } from '../supervisor/service.ts';
import {
  formatAliases,
  formatBackupSchedule,
  formatDomains,
  formatFsck,
  formatQueue,
  formatQueueItem,
  formatSettings,
  formatStatus,
  formatUser,
  formatUsers,
} from './format.ts';
import type { CliIo } from './io.ts';
import { readPassword } from './password-input.ts';

export interface ParsedCommand {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
}

export interface Command {
  /** Words that select it: ['user', 'add']. */
  readonly words: readonly string[];
  /** Arguments after the words, for help. */
  readonly usage: string;
  readonly summary: string;
  readonly options?: ParseArgsOptionsConfig;
  readonly args: { readonly min: number; readonly max: number };
  /** The admin action and its params; may read stdin (passwords). */
  build(
    parsed: ParsedCommand,
    io: CliIo,
  ): Promise<{ action: string; params: Record<string, unknown> }> | { action: string; params: Record<string, unknown> };
  /** Text for people; --json prints the result instead. */
  format(result: unknown, parsed: ParsedCommand): string | Promise<string>;
  /** Verbs that refuse to open the store directly when the daemon is down. */
  readonly needsDaemon?: boolean;
}

const arg = (parsed: ParsedCommand, i: number): string => parsed.positionals[i]!;

/** `settings set KEY VALUE`: VALUE is JSON when it parses as JSON, else the plain string. */
export function parseSettingValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const COMMANDS: readonly Command[] = [
  {
    words: ['domain', 'add'],
    usage: 'DOMAIN',
    summary: 'serve mail for a domain (makes its DKIM key)',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'domain.add', params: { name: arg(p, 0) } }),
    format: (r) => {
      const d = r as DomainView;
      return `added domain ${d.name}\n${d.dkim ? `publish this DNS record for DKIM:\n  ${d.dkim.name} TXT "${d.dkim.value}"\n` : ''}`;
    },
  },
  {
    words: ['domain', 'list'],
    usage: '',
    summary: 'list domains',
    args: { min: 0, max: 0 },
    build: () => ({ action: 'domain.list', params: {} }),
    format: (r) => formatDomains(r as DomainView[]),
  },
  {
    words: ['domain', 'remove'],
    usage: 'DOMAIN',
    summary: 'stop serving a domain (it must have no users or aliases left)',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'domain.remove', params: { name: arg(p, 0) } }),
    format: (r) => `removed domain ${(r as { name: string }).name}\n`,
  },
  {
    words: ['user', 'add'],
    usage: 'ADDRESS [--password-stdin] [--name NAME] [--quota SIZE]',
    summary: 'add a mailbox user; the password is read from stdin (prompted on a terminal)',
    options: { 'password-stdin': { type: 'boolean' }, name: { type: 'string' }, quota: { type: 'string' } },
    args: { min: 1, max: 1 },
    build: async (p, io) => ({
      action: 'user.add',
      params: {
        address: arg(p, 0),
        password: await readPassword(io),
        ...(p.values['name'] !== undefined ? { displayName: p.values['name'] } : {}),
        ...(p.values['quota'] !== undefined ? { quota: p.values['quota'] } : {}),
      },
    }),
    format: (r) => `added user ${(r as AccountView).address}\n`,
  },
  {
    words: ['user', 'list'],
    usage: '[DOMAIN]',
    summary: 'list users, optionally of one domain',
    args: { min: 0, max: 1 },
    build: (p) => ({ action: 'user.list', params: p.positionals[0] ? { domain: p.positionals[0] } : {} }),
    format: (r) => formatUsers(r as AccountView[]),
  },
  {
    words: ['user', 'show'],
    usage: 'ADDRESS',
    summary: 'show one user',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'user.show', params: { address: arg(p, 0) } }),
    format: (r) => formatUser(r as AccountView),
  },
  {
    words: ['user', 'remove'],
    usage: 'ADDRESS',
    summary: 'delete a user and all of its mail',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'user.remove', params: { address: arg(p, 0) } }),
    format: (r) => `removed user ${(r as { address: string }).address}\n`,
  },
  {
    words: ['user', 'passwd'],
    usage: 'ADDRESS',
    summary: 'set a new password, read from stdin (prompted on a terminal)',
    options: { 'password-stdin': { type: 'boolean' } },
    args: { min: 1, max: 1 },
    build: async (p, io) => ({ action: 'user.passwd', params: { address: arg(p, 0), password: await readPassword(io) } }),
    format: (r) => `password changed for ${(r as AccountView).address}\n`,
  },
  {
    words: ['user', 'quota'],
    usage: 'ADDRESS SIZE',
    summary: 'set the mailbox quota (500M, 2G; 0 = unlimited)',
    args: { min: 2, max: 2 },
    build: (p) => ({ action: 'user.quota', params: { address: arg(p, 0), quota: arg(p, 1) } }),
    format: (r) => formatUser(r as AccountView),
  },
  {
    words: ['user', 'enable'],
    usage: 'ADDRESS',
    summary: 'let a user log in and receive mail again',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'user.enable', params: { address: arg(p, 0) } }),
    format: (r) => `enabled ${(r as AccountView).address}\n`,
  },
  {
    words: ['user', 'disable'],
    usage: 'ADDRESS',
    summary: 'refuse logins and mail for a user, keeping the mail',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'user.disable', params: { address: arg(p, 0) } }),
    format: (r) => `disabled ${(r as AccountView).address}\n`,
  },
  {
    words: ['alias', 'add'],
    usage: 'ADDRESS|@DOMAIN TARGET...',
    summary: 'forward an address (or a whole domain: @example.com) to one or more targets',
    args: { min: 2, max: 1000 },
    build: (p) => ({ action: 'alias.add', params: { address: arg(p, 0), targets: p.positionals.slice(1) } }),
    format: (r) => `${(r as Alias).address} -> ${(r as Alias).targets.join(', ')}\n`,
  },
  {
    words: ['alias', 'list'],
    usage: '[DOMAIN]',
    summary: 'list aliases',
    args: { min: 0, max: 1 },
    build: (p) => ({ action: 'alias.list', params: p.positionals[0] ? { domain: p.positionals[0] } : {} }),
    format: (r) => formatAliases(r as Alias[]),
  },
  {
    words: ['alias', 'remove'],
    usage: 'ADDRESS [TARGET...]',
    summary: 'remove some targets of an alias, or the whole alias',
    args: { min: 1, max: 1000 },
    build: (p) => ({
      action: 'alias.remove',
      params: { address: arg(p, 0), ...(p.positionals.length > 1 ? { targets: p.positionals.slice(1) } : {}) },
    }),
    format: (r) => {
      const a = r as Alias;
      return a.targets.length === 0 ? `removed alias ${a.address}\n` : `${a.address} -> ${a.targets.join(', ')}\n`;
    },
  },
  {
    words: ['settings', 'list'],
    usage: '',
    summary: 'show every runtime setting (secrets masked)',
    args: { min: 0, max: 0 },
    build: () => ({ action: 'settings.list', params: {} }),
    format: (r) => formatSettings(r as SettingView[]),
  },
  {
    words: ['settings', 'get'],
    usage: 'KEY',
    summary: 'show one setting and what it does',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'settings.get', params: { key: arg(p, 0) } }),
    format: (r) => {
      const s = r as SettingView;
      return `${formatSettings([s])}  ${s.description}\n`;
    },
  },
  {
    words: ['settings', 'set'],
    usage: 'KEY VALUE',
    summary: 'change a setting (VALUE is JSON, or a plain string); applies at once',
    args: { min: 2, max: 2 },
    build: (p) => ({ action: 'settings.set', params: { key: arg(p, 0), value: parseSettingValue(arg(p, 1)) } }),
    format: (r) => (r as { key: string; value: unknown }[]).map((s) => `${s.key} = ${JSON.stringify(s.value)}\n`).join(''),
  },
  {
    words: ['settings', 'unset'],
    usage: 'KEY',
    summary: 'put a setting back to its default',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'settings.unset', params: { key: arg(p, 0) } }),
    format: (r) => `${(r as { key: string }).key} is back to its default\n`,
  },
  {
    words: ['queue', 'list'],
    usage: '',
    summary: 'outbound messages waiting for delivery',
    args: { min: 0, max: 0 },
    build: () => ({ action: 'queue.list', params: {} }),
    format: (r) => formatQueue(r as QueueSummary[]),
  },
  {
    words: ['queue', 'show'],
    usage: 'ID',
    summary: 'one queued message: recipients, attempts, errors',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'queue.show', params: { id: arg(p, 0) } }),
    format: (r) => formatQueueItem(r as QueueDetail),
  },
  {
    words: ['queue', 'retry'],
    usage: 'ID',
    summary: 'try a queued message again now',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'queue.retry', params: { id: arg(p, 0) } }),
    format: (r) => `${(r as QueueSummary).id} will be retried now\n`,
  },
  {
    words: ['queue', 'delete'],
    usage: 'ID',
    summary: 'drop a queued message without telling the sender',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'queue.delete', params: { id: arg(p, 0) } }),
    format: (r) => `deleted ${(r as { id: string }).id}\n`,
  },
  {
    words: ['queue', 'bounce'],
    usage: 'ID',
    summary: 'give up on a queued message and send the sender a bounce',
    args: { min: 1, max: 1 },
    build: (p) => ({ action: 'queue.bounce', params: { id: arg(p, 0) } }),
    format: (r) => `${(r as QueueSummary).id} will bounce\n`,
  },
  {
    words: ['status'],
    usage: '',
    summary: "the daemon's listeners (state, uptime, restarts, last error) and store figures",
    args: { min: 0, max: 0 },
    needsDaemon: true,
    build: () => ({ action: 'status', params: {} }),
    format: (r) => formatStatus(r as StatusView, Date.now()),
  },
  {
    words: ['restart'],
    usage: 'LISTENER',
    summary: 'restart one listener (smtp, imap, web, ...); also revives one that failed',
    args: { min: 1, max: 1 },
    needsDaemon: true,
    build: (p) => ({ action: 'listener.restart', params: { name: arg(p, 0) } }),
    format: (r) => {
      const l = r as ListenerStatus;
      return `${l.name}: ${l.state ?? 'restarting'}\n`;
    },
  },
  {
    words: ['gpio', 'state'],
    usage: '',
    summary: 'the front panel: driver, each LED, the button',
    args: { min: 0, max: 0 },
    needsDaemon: true,
    build: () => ({ action: 'gpio.state', params: {} }),
    format: panelText,
  },
  {
    words: ['gpio', 'press'],
    usage: 'short|long',
    summary: 'press the simulated button (dev boxes only; a real button must be pressed by hand)',
    args: { min: 1, max: 1 },
    needsDaemon: true,
    build: (p) => ({ action: 'gpio.press', params: { kind: arg(p, 0) } }),
    format: panelText,
  },
  {
    words: ['fsck'],
    usage: '[--repair]',
    summary: 'check the store (counts, refcounts, quotas, orphan bodies); --repair fixes what it can',
    options: { repair: { type: 'boolean' } },
    args: { min: 0, max: 0 },
    build: (p) => ({ action: 'fsck', params: { repair: p.values['repair'] === true } }),
    format: (r) => formatFsck(r as FsckReport),
  },
  // before `backup DIR`, which would take "schedule" for a folder (write ./schedule for one so named)
  {
    words: ['backup', 'schedule', 'set'],
    usage: 'DIR (--every-hours N | --daily HH:MM) [--keep K] [--paused]',
    summary: 'back up to DIR (a USB drive or mounted share) on a schedule; the web UI shows the same',
    options: { 'every-hours': { type: 'string' }, daily: { type: 'string' }, keep: { type: 'string' }, paused: { type: 'boolean' } },
    args: { min: 1, max: 1 },
    build: (p, io) => ({
      action: 'backup.schedule.set',
      params: {
        schedule: {
          target: resolve(io.cwd, arg(p, 0)),
          ...(p.values['every-hours'] !== undefined ? { everyHours: p.values['every-hours'] } : {}),
          ...(p.values['daily'] !== undefined ? { dailyAt: p.values['daily'] } : {}),
          ...(p.values['keep'] !== undefined ? { keep: p.values['keep'] } : {}),
          enabled: p.values['paused'] !== true,
        },
      },
    }),
    format: (r) => formatBackupSchedule(r as BackupScheduleView),
  },
  {
    words: ['backup', 'schedule', 'off'],
    usage: '',
    summary: 'stop scheduled backups (the backups already written stay)',
    args: { min: 0, max: 0 },
    build: () => ({ action: 'backup.schedule.set', params: { schedule: null } }),
    format: (r) => formatBackupSchedule(r as BackupScheduleView),
  },
  {
    words: ['backup', 'schedule'],
    usage: '',
    summary: 'the backup schedule and how its last runs went',
    args: { min: 0, max: 0 },
    build: () => ({ action: 'backup.schedule.get', params: {} }),
    format: (r) => formatBackupSchedule(r as BackupScheduleView),
  },
  {
    words: ['backup'],
    usage: 'DIR',
    summary: 'write a consistent snapshot into an empty or new DIR (fine while the daemon runs)',
    args: { min: 1, max: 1 },
    build: (p, io) => ({ action: 'backup', params: { dir: resolve(io.cwd, arg(p, 0)) } }),
    format: (r) => {
      const b = r as { dir: string; files: number; bytes: number };
      return `backup written to ${b.dir}: ${b.files} files, ${b.bytes} bytes\n`;
    },
  },
];

/**
 * Dev/test mode only (`--dev`, POCHTA_DEV or the config file): break a
 * listener on purpose to watch it recover. Without dev mode these verbs are
 * not in the table at all, and the daemon has no action behind them either.
 */
export const DEBUG_COMMANDS: readonly Command[] = (
  [
    ['crash', 'throw', 'throw an uncaught exception in the listener thread'],
    ['exit', 'exit', 'make the listener thread exit'],
    ['hang', 'hang', "stop the listener's event loop (missed heartbeats)"],
  ] as const
).map(([word, kind, summary]) => ({
  words: ['debug', word],
  usage: 'LISTENER',
  summary: `(dev mode) ${summary}; the supervisor restarts it`,
  args: { min: 1, max: 1 },
  needsDaemon: true,
  build: (p: ParsedCommand) => ({ action: 'debug.fault', params: { name: arg(p, 0), kind } }),
  format: (r: unknown) => `${(r as { name: string }).name}: injected ${word}; see pochta status\n`,
}));

/** The verbs of this mode: the debug verbs are there only in dev mode. */
export function commandsFor(dev: boolean): readonly Command[] {
  return dev ? [...COMMANDS, ...DEBUG_COMMANDS] : COMMANDS;
}

/** The gpio room is loaded only for the verbs that show the panel (it costs a CLI start ~0.3 s). */
async function panelText(result: unknown): Promise<string> {
  const { formatPanelState } = await import('../gpio/index.ts');
  return `${formatPanelState(result as BoardState)}\n`;
}

/** The command whose words start `argv`, and the rest of argv. */
export function findCommand(
  argv: readonly string[],
  commands: readonly Command[] = COMMANDS,
): { command: Command; rest: string[] } | undefined {
  for (const command of commands) {
    if (command.words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.words.length) };
  }
  return undefined;
}

export function checkArgCount(command: Command, parsed: ParsedCommand): void {
  const n = parsed.positionals.length;
  if (n < command.args.min || n > command.args.max) {
    throw new PochtaError('INVALID_ARGUMENT', `usage: pochta ${command.words.join(' ')} ${command.usage}`.trimEnd());
  }
}
