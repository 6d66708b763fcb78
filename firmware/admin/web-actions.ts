// Admin actions the web UI needs beyond the CLI's: the admin credentials (kept
// hashed in the store, never returned), sign-in checks, first-boot setup in
// one validated step, the physical-presence request (front panel button), the
// dashboard's mail counters, the log tail, the relay test, the box's public
// address for the health checks and the backup schedule. Registered in
// actions.ts's table, so the CLI can call them too (`pochta` over the socket).

import { isIP } from 'node:net';
import {
  BACKUP_LAST_RUN_KEY,
  BACKUP_SCHEDULE_KEY,
  type BackupLastRuns,
  type BackupRun,
  type BackupSchedule,
  parseBackupSchedule,
  readBackupSchedule,
} from '../backup-schedule/schedule.ts';
import { isHostname } from '../config/address.ts';
import { prepareSettingsChange } from '../config/settings.ts';
import { deliverDirect, deliverSmarthost } from '../delivery/outbound/route.ts';
import { readOutboundSettings } from '../delivery/outbound/settings.ts';
import { bufferSource, DEFAULT_CLIENT_TIMEOUTS } from '../delivery/outbound/smtp-client.ts';
import { PochtaError } from '../errors.ts';
import { DnsResolver } from '../net/resolver.ts';
import { hashPassword, verifyPassword } from '../store/password.ts';
import type { AdminAction, AdminDeps, Params } from './actions.ts';
import { isLogLevelName } from './log-ring.ts';
import { type MailStatsView, zeroCounts } from './mail-counters.ts';
import { resetAdminAccess } from './reset-admin-access.ts';

/** Store setting holding {hash, changedAt} of the admin password. Not a runtime setting: never listed, never sent. */
export const ADMIN_CREDENTIALS_KEY = 'admin.credentials';
/** Store setting: the box's mail host name chosen in setup (MX target, client settings). */
export const BOX_HOSTNAME_KEY = 'box.hostname';
/** Store setting: the box's public address as the admin gave it (mail health checks); absent = the A record of the MX host. */
export const BOX_PUBLIC_ADDRESS_KEY = 'box.publicAddress';
/** The user name the admin signs in with. */
export const ADMIN_USERNAME = 'admin';

export interface WebStateView {
  readonly setupDone: boolean;
  /** The mail host name: the one chosen in setup, else the daemon's configured one. */
  readonly hostname: string;
  readonly hasAdminPassword: boolean;
  /** The public address set for the health checks (box.address.set); absent = found through DNS. */
  readonly publicAddress?: string;
  /** When the admin password was last set: a web session from before a change (reset, recovery) is ended. */
  readonly adminChangedAt?: number;
  readonly dev: boolean;
}

export interface AuthResult {
  readonly role: 'admin' | 'user';
  readonly username: string;
}

interface StoredCredentials {
  readonly hash: string;
  readonly changedAt: number;
}

// A hash of a random password: unknown users cost a verification as long as a real one.
let dummyHash: Promise<string> | undefined;
const timingDummy = () => {
  dummyHash ??= hashPassword(`no-such-user-${Math.random()}`);
  return dummyHash;
};

function str(params: Params, key: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value === '') throw new PochtaError('INVALID_ARGUMENT', `${key}: expected a non-empty string`);
  return value;
}

async function credentials(deps: AdminDeps): Promise<StoredCredentials | undefined> {
  const value = (await deps.store.getSetting(ADMIN_CREDENTIALS_KEY)) as Partial<StoredCredentials> | undefined;
  return value && typeof value.hash === 'string' ? { hash: value.hash, changedAt: Number(value.changedAt ?? 0) } : undefined;
}

async function hostnameOf(deps: AdminDeps): Promise<string> {
  const stored = await deps.store.getSetting(BOX_HOSTNAME_KEY);
  return typeof stored === 'string' && isHostname(stored) ? stored : deps.config.hostname;
}

function checkHostname(value: string, field: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (!isHostname(name) || !name.includes('.')) {
    throw new PochtaError('INVALID_ARGUMENT', `${field}: expected a full host name such as mail.example.com, got ${JSON.stringify(value)}`);
  }
  return name;
}

async function storeAdminPassword(deps: AdminDeps, password: string, field: string): Promise<{ changedAt: number }> {
  try {
    deps.passwords.check(password, ADMIN_USERNAME);
  } catch (err) {
    if (err instanceof PochtaError) throw new PochtaError(err.code, `${field}: ${err.detail}`);
    throw err;
  }
  const changedAt = deps.now();
  await deps.store.setSettings({ [ADMIN_CREDENTIALS_KEY]: { hash: await deps.passwords.hash(password), changedAt } });
  return { changedAt };
}

const webState: AdminAction = async (deps): Promise<WebStateView> => {
  const stored = await credentials(deps);
  const publicAddress = await deps.store.getSetting(BOX_PUBLIC_ADDRESS_KEY);
  return {
    setupDone: (await deps.store.getSetting('setup.done')) === true,
    hostname: await hostnameOf(deps),
    hasAdminPassword: stored !== undefined,
    ...(typeof publicAddress === 'string' && isIP(publicAddress) ? { publicAddress } : {}),
    ...(stored ? { adminChangedAt: stored.changedAt } : {}),
    dev: deps.config.dev,
  };
};

/** Set the admin password (the web UI calls this only after the button was pressed). WEAK_PASSWORD. */
const adminPasswordSet: AdminAction = async (deps, params) => storeAdminPassword(deps, str(params, 'password'), 'password');

/**
 * Back to first-boot state: no admin password (ADMIN_CREDENTIALS_KEY is under
 * the reset's `admin.` prefix), setup not done. The same reset the box's long
 * press runs. Mail, users and domains stay.
 */
const adminReset: AdminAction = async (deps) => resetAdminAccess(deps.store);

/** Check a sign-in: 'admin' against the admin password, else a mail user's. AUTH_FAILED for any mismatch. */
const authVerify: AdminAction = async (deps, params): Promise<AuthResult> => {
  const username = str(params, 'username').trim();
  const password = str(params, 'password');
  if (username.toLowerCase() === ADMIN_USERNAME) {
    const stored = await credentials(deps);
    const ok = await verifyPassword(password, stored?.hash ?? (await timingDummy()));
    if (!stored || !ok) throw new PochtaError('AUTH_FAILED', 'password: wrong user name or password');
    return { role: 'admin', username: ADMIN_USERNAME };
  }
  const address = deps.addresses.normalizeAddress(username);
  const account = deps.addresses.isValidAddress(address) ? await deps.store.findAccount(address) : undefined;
  const ok = await verifyPassword(password, account?.passwordHash ?? (await timingDummy()));
  if (!account || !ok) throw new PochtaError('AUTH_FAILED', 'password: wrong user name or password');
  if (!account.enabled) throw new PochtaError('ACCOUNT_DISABLED', 'username: this account is disabled; ask the office admin');
  return { role: 'user', username: account.address };
};

/** Change one's own password, proving the current one. */
const authPasswd: AdminAction = async (deps, params) => {
  const username = str(params, 'username');
  const current = str(params, 'currentPassword');
  const next = str(params, 'newPassword');
  let who: AuthResult;
  try {
    who = (await authVerify(deps, { username, password: current })) as AuthResult;
  } catch (err) {
    if (err instanceof PochtaError && err.code === 'AUTH_FAILED')
      throw new PochtaError('AUTH_FAILED', 'currentPassword: this is not your current password');
    throw err;
  }
  if (who.role === 'admin') {
    await storeAdminPassword(deps, next, 'newPassword');
    return { username: who.username };
  }
  try {
    deps.passwords.check(next, who.username);
  } catch (err) {
    if (err instanceof PochtaError) throw new PochtaError(err.code, `newPassword: ${err.detail}`);
    throw err;
  }
  const account = await deps.store.findAccount(who.username);
  if (!account) throw new PochtaError('UNKNOWN_USER', `no user ${who.username}`);
  await deps.store.updateAccount(account.id, { passwordHash: await deps.passwords.hash(next) });
  return { username: who.username };
};

interface SetupUser {
  readonly address: string;
  readonly password: string;
  readonly displayName?: string;
  readonly quota?: string | number;
}

/**
 * First-boot setup in one step: every input is checked before anything is
 * written, so a mistake names its field (`users.1.password`) and leaves the
 * box as it was. The web UI calls it only after the button was pressed.
 */
const setupFinish: AdminAction = async (deps, params) => {
  const domainText = str(params, 'domain');
  const domain = domainText.trim().toLowerCase().replace(/\.$/, '');
  if (!deps.addresses.isValidDomain(domain) || !domain.includes('.')) {
    throw new PochtaError(
      'INVALID_DOMAIN',
      `domain: ${JSON.stringify(domainText)} is not a valid domain (expected a name such as example.com)`,
    );
  }
  const hostname =
    params['hostname'] === undefined || params['hostname'] === '' ? undefined : checkHostname(String(params['hostname']), 'hostname');
  const rawUsers = params['users'] ?? [];
  if (!Array.isArray(rawUsers)) throw new PochtaError('INVALID_ARGUMENT', 'users: expected a list');
  const users: SetupUser[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of rawUsers.entries()) {
    const field = `users.${i}`;
    if (typeof raw !== 'object' || raw === null) throw new PochtaError('INVALID_ARGUMENT', `${field}: expected {address, password}`);
    const u = raw as Record<string, unknown>;
    if (typeof u['address'] !== 'string' || u['address'] === '')
      throw new PochtaError('INVALID_ADDRESS', `${field}.address: give the address`);
    const address = deps.addresses.normalizeAddress(u['address'].includes('@') ? u['address'] : `${u['address']}@${domain}`);
    if (!deps.addresses.isValidAddress(address))
      throw new PochtaError('INVALID_ADDRESS', `${field}.address: ${JSON.stringify(u['address'])} is not a valid address`);
    if (address.slice(address.lastIndexOf('@') + 1) !== domain) {
      throw new PochtaError('INVALID_ADDRESS', `${field}.address: ${address} is not in ${domain}`);
    }
    if (seen.has(address)) throw new PochtaError('ALREADY_EXISTS', `${field}.address: ${address} is listed twice`);
    seen.add(address);
    if (typeof u['password'] !== 'string' || u['password'] === '')
      throw new PochtaError('WEAK_PASSWORD', `${field}.password: give a password`);
    try {
      deps.passwords.check(u['password'], address);
    } catch (err) {
      if (err instanceof PochtaError) throw new PochtaError(err.code, `${field}.password: ${err.detail}`);
      throw err;
    }
    if (await deps.store.findAccount(address)) throw new PochtaError('ALREADY_EXISTS', `${field}.address: ${address} already exists`);
    users.push({
      address,
      password: u['password'],
      ...(typeof u['displayName'] === 'string' && u['displayName'] !== '' ? { displayName: u['displayName'] } : {}),
      ...(u['quota'] !== undefined && u['quota'] !== '' ? { quota: u['quota'] as string | number } : {}),
    });
  }
  let settings: Record<string, unknown> = { 'setup.done': true };
  if (params['smarthost'] !== undefined) {
    try {
      settings = prepareSettingsChange({ 'relay.smarthost': params['smarthost'], 'setup.done': true }, await deps.store.listSettings());
    } catch (err) {
      if (err instanceof PochtaError) throw new PochtaError(err.code, err.detail.replace(/^relay\.smarthost/, 'smarthost'));
      throw err;
    }
  }

  if (!(await deps.store.getDomain(domain))) await deps.store.addDomain(domain);
  const { runAdminAction } = await import('./actions.ts');
  for (const [i, u] of users.entries()) {
    try {
      await runAdminAction(deps, 'user.add', { ...u });
    } catch (err) {
      if (err instanceof PochtaError)
        throw new PochtaError(err.code, `users.${i}.${err.code === 'INVALID_ARGUMENT' ? 'quota' : 'address'}: ${err.detail}`);
      throw err;
    }
  }
  if (hostname !== undefined) settings[BOX_HOSTNAME_KEY] = hostname;
  await deps.store.setSettings(settings);
  return { domain, hostname: hostname ?? (await hostnameOf(deps)), users: users.map((u) => u.address) };
};

/** Change the box's mail host name (MX target and client settings). */
const boxHostnameSet: AdminAction = async (deps, params) => {
  const hostname = checkHostname(str(params, 'hostname'), 'hostname');
  await deps.store.setSettings({ [BOX_HOSTNAME_KEY]: hostname });
  return { hostname };
};

/**
 * Wait for a short press of the box's button (physical presence), at most
 * `timeoutMs` (1 s .. 10 min). Resolves {confirmed}; DAEMON_NOT_RUNNING without a panel.
 */
const presenceRequest: AdminAction = async (deps, params) => {
  const timeoutMs = params['timeoutMs'];
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 600_000) {
    throw new PochtaError('INVALID_ARGUMENT', 'timeoutMs: expected a whole number of ms from 1000 to 600000');
  }
  const panel = deps.panel;
  if (!panel || typeof panel.requestPresence !== 'function') {
    throw new PochtaError('DAEMON_NOT_RUNNING', 'the front panel (button) is not available');
  }
  return { confirmed: await panel.requestPresence(timeoutMs) };
};

const statsMail: AdminAction = async (deps): Promise<MailStatsView> => {
  if (deps.counters) return deps.counters.snapshot();
  const hour = Math.floor(deps.now() / 3_600_000) * 3_600_000;
  const series = Array.from({ length: 24 }, (_, i) => ({ hour: hour - (23 - i) * 3_600_000, ...zeroCounts() }));
  return { today: zeroCounts(), series, available: false };
};

/** Recent daemon log lines: {since?, limit?, level?, listener?, conn?}. Empty when the daemon keeps no ring. */
const logTail: AdminAction = async (deps, params) => {
  const since = params['since'];
  const limit = params['limit'];
  const level = params['level'];
  if (since !== undefined && (typeof since !== 'number' || !Number.isInteger(since) || since < 0)) {
    throw new PochtaError('INVALID_ARGUMENT', 'since: expected a whole number');
  }
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 2000)) {
    throw new PochtaError('INVALID_ARGUMENT', 'limit: expected a whole number from 1 to 2000');
  }
  if (level !== undefined && !isLogLevelName(level))
    throw new PochtaError('INVALID_ARGUMENT', 'level: expected trace, debug, info, warn, error or fatal');
  const listener = typeof params['listener'] === 'string' && params['listener'] !== '' ? params['listener'] : undefined;
  const conn = typeof params['conn'] === 'string' && params['conn'] !== '' ? params['conn'] : undefined;
  if (!deps.logs) return { lines: [], next: 0, available: false };
  return {
    ...deps.logs.tail({
      ...(since !== undefined ? { since } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(level !== undefined ? { level } : {}),
      ...(listener !== undefined ? { listener } : {}),
      ...(conn !== undefined ? { conn } : {}),
    }),
    available: true,
  };
};

/**
 * Send a test message to `to` the way outbound mail goes now: through the
 * smarthost when one is set, else to the recipient domain's MX. Answers what
 * the server said; never throws for a delivery failure (that is the answer).
 */
const relayTest: AdminAction = async (deps, params) => {
  const to = deps.addresses.normalizeAddress(str(params, 'to').trim());
  if (!deps.addresses.isValidAddress(to))
    throw new PochtaError('INVALID_ADDRESS', `to: ${JSON.stringify(params['to'])} is not a valid address`);
  const settings = await readOutboundSettings(deps.store, { dev: deps.config.dev });
  const hostname = await hostnameOf(deps);
  const from = `postmaster@${hostname}`;
  const date = new Date(deps.now()).toUTCString();
  const body = Buffer.from(
    [
      `From: Pochta <${from}>`,
      `To: <${to}>`,
      'Subject: Pochta test message',
      `Date: ${date}`,
      `Message-ID: <test-${deps.now()}@${hostname}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `This is a test message from the mail box ${hostname}.`,
      'If you can read it, outgoing mail works.',
      '',
    ].join('\r\n'),
  );
  const resolver = new DnsResolver({ servers: settings.dnsServers });
  const options = {
    resolver,
    mxPort: 25,
    client: { heloName: hostname, timeouts: { ...DEFAULT_CLIENT_TIMEOUTS, connectMs: 15_000, greetingMs: 20_000, socketMs: 30_000 } },
    selfNames: [hostname, deps.config.hostname],
  };
  const smarthost = settings.smarthost;
  const results = smarthost
    ? await deliverSmarthost(smarthost, from, [to], bufferSource(body), options)
    : await deliverDirect(to.slice(to.lastIndexOf('@') + 1), from, [to], bufferSource(body), options);
  const result = results[0];
  return {
    ok: result?.outcome === 'delivered',
    route: smarthost ? 'smarthost' : 'direct',
    detail: result?.reply ?? 'no answer',
  };
};

/** Set the box's public address for the health checks ({address}; null or '' = find it through DNS). */
const boxAddressSet: AdminAction = async (deps, params) => {
  const raw = params['address'];
  if (raw === null || raw === undefined || raw === '') {
    await deps.store.setSettings({ [BOX_PUBLIC_ADDRESS_KEY]: undefined });
    return { address: null };
  }
  const address = typeof raw === 'string' ? raw.trim() : '';
  if (isIP(address) === 0) throw new PochtaError('INVALID_ARGUMENT', `address: ${JSON.stringify(raw)} is not an IP address`);
  await deps.store.setSettings({ [BOX_PUBLIC_ADDRESS_KEY]: address });
  return { address };
};

export interface BackupScheduleView extends BackupLastRuns {
  readonly schedule?: BackupSchedule;
}

async function lastRuns(deps: AdminDeps): Promise<BackupLastRuns> {
  const value = await deps.store.getSetting(BACKUP_LAST_RUN_KEY);
  return typeof value === 'object' && value !== null ? (value as BackupLastRuns) : {};
}

/** The backup schedule (absent when none is set) and the last run and last good run. */
const backupScheduleGet: AdminAction = async (deps): Promise<BackupScheduleView> => {
  const schedule = readBackupSchedule(await deps.store.getSetting(BACKUP_SCHEDULE_KEY));
  return { ...(schedule ? { schedule } : {}), ...(await lastRuns(deps)) };
};

/** Save the schedule ({schedule: {enabled?, target, everyHours | dailyAt, keep}}; {schedule: null} removes it). */
const backupScheduleSet: AdminAction = async (deps, params) => {
  if (params['schedule'] === null) {
    await deps.store.setSettings({ [BACKUP_SCHEDULE_KEY]: undefined });
    return backupScheduleGet(deps, {});
  }
  const schedule = parseBackupSchedule(params['schedule'], deps.now());
  await deps.store.setSettings({ [BACKUP_SCHEDULE_KEY]: schedule });
  return backupScheduleGet(deps, {});
};

/** Keep a finished backup run ({run}); the web listener's scheduler calls it after each run. */
const backupScheduleRecord: AdminAction = async (deps, params) => {
  const run = params['run'] as Partial<BackupRun> | undefined;
  if (
    typeof run !== 'object' ||
    run === null ||
    typeof run.startedAt !== 'number' ||
    typeof run.finishedAt !== 'number' ||
    typeof run.ok !== 'boolean' ||
    (run.trigger !== 'schedule' && run.trigger !== 'now')
  ) {
    throw new PochtaError('INVALID_ARGUMENT', 'run: expected {startedAt, finishedAt, ok, trigger, file?, bytes?, error?}');
  }
  const previous = await lastRuns(deps);
  const kept: BackupLastRuns = {
    last: run as BackupRun,
    ...(run.ok ? { lastOk: run as BackupRun } : previous.lastOk ? { lastOk: previous.lastOk } : {}),
  };
  await deps.store.setSettings({ [BACKUP_LAST_RUN_KEY]: kept });
  return kept;
};

export const WEB_ACTIONS: ReadonlyMap<string, AdminAction> = new Map<string, AdminAction>([
  ['web.state', webState],
  ['admin.password.set', adminPasswordSet],
  ['admin.reset', adminReset],
  ['auth.verify', authVerify],
  ['auth.passwd', authPasswd],
  ['setup.finish', setupFinish],
  ['box.hostname.set', boxHostnameSet],
  ['presence.request', presenceRequest],
  ['stats.mail', statsMail],
  ['log.tail', logTail],
  ['relay.test', relayTest],
  ['box.address.set', boxAddressSet],
  ['backup.schedule.get', backupScheduleGet],
  ['backup.schedule.set', backupScheduleSet],
  ['backup.schedule.record', backupScheduleRecord],
]);
