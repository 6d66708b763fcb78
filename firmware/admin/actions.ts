// Admin actions: plain functions over the store, shared by the admin socket
// (the CLI over SSH) and the web UI (in-process). Each action takes its deps and
// a params object, checks the params here (the socket carries untyped JSON),
// and returns plain data without secrets.

import type { WatchdogStats } from '../box/index.ts';
import type { Config } from '../config/bootstrap.ts';
import {
  checkSettingKey,
  MASK,
  maskSetting,
  prepareSettingsChange,
  SETTING_KEYS,
  SETTINGS,
  settingsFromValues,
} from '../config/settings.ts';
import { parseSize } from '../config/size.ts';
import { QUEUE_ACTIONS } from '../delivery/outbound/admin.ts';
import { PochtaError } from '../errors.ts';
import type { FrontPanel } from '../gpio/index.ts';
import type { Account, Alias, Domain, FsckReport, MailStore, StoreStats } from '../store/types.ts';
import type { FaultKind } from '../supervisor/index.ts';
import { LISTENER_NAMES, type ListenerName, type ListenerStatus } from '../supervisor/service.ts';
import type { LogRing } from './log-ring.ts';
import type { MailCounters } from './mail-counters.ts';
import { WEB_ACTIONS } from './web-actions.ts';

/** Password rules and hashing, supplied by the store room (see passwords.ts). */
export interface PasswordTools {
  /** scrypt hash in the store's format. */
  hash(password: string): Promise<string>;
  /** Throws WEAK_PASSWORD saying what is wrong. */
  check(password: string, address: string): void;
}

/** Address rules, supplied by the store room. */
export interface AddressTools {
  /** The store's canonical form (lower-case, IDNA domain). */
  normalizeAddress(address: string): string;
  /** local@domain that the store would accept (after normalizing). */
  isValidAddress(address: string): boolean;
  /** A domain name the store would accept (lower-case). */
  isValidDomain(domain: string): boolean;
}

export interface AdminDeps {
  readonly store: MailStore;
  readonly config: Pick<Config, 'dev' | 'dataDir' | 'hostname'>;
  readonly passwords: PasswordTools;
  readonly addresses: AddressTools;
  /** Listener states; absent when the CLI works on a stopped data dir. */
  readonly listeners?: () => readonly ListenerStatus[] | Promise<readonly ListenerStatus[]>;
  /** The front panel (LEDs, button); absent without a daemon or without a panel. */
  readonly panel?: Pick<FrontPanel, 'state' | 'press'> & Partial<Pick<FrontPanel, 'requestPresence'>>;
  /** Mail counters for the dashboard (mail-counters.ts); absent without a daemon. */
  readonly counters?: Pick<MailCounters, 'snapshot'>;
  /** Recent log lines for the web UI's log view (log-ring.ts); absent without a daemon. */
  readonly logs?: Pick<LogRing, 'tail'>;
  /** Restart one listener (also revives a failed one); absent without a daemon. */
  readonly restartListener?: (name: ListenerName) => Promise<void>;
  /** Inject a fault into a listener (dev mode only; see debug-actions.ts); absent without a daemon. */
  readonly fault?: (name: ListenerName, kind: FaultKind) => void;
  /** systemd link and watchdog pets, for status; absent without a daemon. */
  readonly watchdog?: () => WatchdogStats;
  readonly version: string;
  readonly now: () => number;
  /** When the daemon started (ms since epoch). */
  readonly startedAt?: number;
}

export type Params = Readonly<Record<string, unknown>>;
export type AdminAction = (deps: AdminDeps, params: Params) => Promise<unknown>;

export interface AccountView {
  readonly id: string;
  readonly address: string;
  readonly displayName: string;
  readonly quotaBytes: number;
  readonly usedBytes: number;
  readonly enabled: boolean;
  readonly createdAt: number;
}

export interface DomainView {
  readonly name: string;
  readonly createdAt: number;
  /** The DKIM DNS record to publish (name and TXT value), when the store made a key. */
  readonly dkim?: { readonly name: string; readonly value: string };
}

export interface SettingView {
  readonly key: string;
  /** Secrets are masked. */
  readonly value: unknown;
  readonly isDefault: boolean;
  readonly description: string;
  readonly internal?: boolean;
}

export interface StatusView {
  readonly version: string;
  readonly pid: number;
  readonly hostname: string;
  readonly dataDir: string;
  readonly dev: boolean;
  readonly startedAt?: number;
  readonly uptimeMs?: number;
  readonly listeners: readonly ListenerHealth[];
  readonly store: StoreStats;
  /** Present while the daemon runs. */
  readonly watchdog?: WatchdogStats;
}

/** A listener's status plus how long it has been running (absent unless running). */
export interface ListenerHealth extends ListenerStatus {
  readonly uptimeMs?: number;
}

// ---- parameter checks

function str(params: Params, key: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value === '') throw new PochtaError('INVALID_ARGUMENT', `${key}: expected a non-empty string`);
  return value;
}

function optStr(params: Params, key: string): string | undefined {
  return params[key] === undefined || params[key] === null ? undefined : str(params, key);
}

function strList(params: Params, key: string): string[] {
  const value = params[key];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new PochtaError('INVALID_ARGUMENT', `${key}: expected a list of strings`);
  }
  return value as string[];
}

function address(deps: AdminDeps, text: string): string {
  const normalized = deps.addresses.normalizeAddress(text.trim());
  if (!deps.addresses.isValidAddress(normalized)) {
    throw new PochtaError('INVALID_ADDRESS', `${JSON.stringify(text)} is not a valid address (expected local@domain)`);
  }
  return normalized;
}

function domainName(deps: AdminDeps, text: string): string {
  const name = text.trim().toLowerCase().replace(/\.$/, '');
  if (!deps.addresses.isValidDomain(name)) {
    throw new PochtaError('INVALID_DOMAIN', `${JSON.stringify(text)} is not a valid domain (expected a name such as example.com)`);
  }
  return name;
}

/** An alias address: local@domain, or @domain for a catch-all. */
function aliasAddress(deps: AdminDeps, text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('@')) return `@${domainName(deps, trimmed.slice(1))}`;
  return address(deps, trimmed);
}

function quota(value: unknown): number {
  const bytes = typeof value === 'number' || typeof value === 'string' ? parseSize(value) : undefined;
  if (bytes === undefined)
    throw new PochtaError('INVALID_ARGUMENT', `quota: expected a size such as 500M or 2G (0 = unlimited), got ${JSON.stringify(value)}`);
  return bytes;
}

async function account(deps: AdminDeps, text: string): Promise<Account> {
  const addr = address(deps, text);
  const found = await deps.store.findAccount(addr);
  if (!found) throw new PochtaError('UNKNOWN_USER', `no user ${addr}`);
  return found;
}

export function accountView(account: Account): AccountView {
  return {
    id: account.id,
    address: account.address,
    displayName: account.displayName,
    quotaBytes: account.quotaBytes,
    usedBytes: account.usedBytes,
    enabled: account.enabled,
    createdAt: account.createdAt,
  };
}

export function domainView(domain: Domain): DomainView {
  return {
    name: domain.name,
    createdAt: domain.createdAt,
    ...(domain.dkim
      ? { dkim: { name: `${domain.dkim.selector}._domainkey.${domain.name}`, value: `v=DKIM1; k=rsa; p=${domain.dkim.publicKeyBase64}` } }
      : {}),
  };
}

// ---- domains

const domainAdd: AdminAction = async (deps, params) => domainView(await deps.store.addDomain(domainName(deps, str(params, 'name'))));

const domainList: AdminAction = async (deps) => (await deps.store.listDomains()).map(domainView);

const domainRemove: AdminAction = async (deps, params) => {
  const name = domainName(deps, str(params, 'name'));
  if (!(await deps.store.getDomain(name))) throw new PochtaError('UNKNOWN_DOMAIN', `no domain ${name}`);
  await deps.store.removeDomain(name);
  return { name };
};

// ---- users

const userAdd: AdminAction = async (deps, params) => {
  const addr = address(deps, str(params, 'address'));
  const password = str(params, 'password');
  deps.passwords.check(password, addr);
  if (await deps.store.getAlias(addr)) throw new PochtaError('ALREADY_EXISTS', `${addr} is already an alias`);
  if (await deps.store.findAccount(addr)) throw new PochtaError('ALREADY_EXISTS', `user ${addr} already exists`);
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  if (!(await deps.store.getDomain(domain))) {
    throw new PochtaError('UNKNOWN_DOMAIN', `domain ${domain} is not served here (add it first: pochta domain add ${domain})`);
  }
  const created = await deps.store.createAccount({
    address: addr,
    passwordHash: await deps.passwords.hash(password),
    ...(optStr(params, 'displayName') !== undefined ? { displayName: optStr(params, 'displayName')! } : {}),
    ...(params['quota'] !== undefined ? { quotaBytes: quota(params['quota']) } : {}),
  });
  return accountView(created);
};

const userList: AdminAction = async (deps, params) => {
  const domain = optStr(params, 'domain');
  return (await deps.store.listAccounts(domain === undefined ? undefined : domainName(deps, domain))).map(accountView);
};

const userShow: AdminAction = async (deps, params) => accountView(await account(deps, str(params, 'address')));

const userRemove: AdminAction = async (deps, params) => {
  const found = await account(deps, str(params, 'address'));
  await deps.store.deleteAccount(found.id);
  return { address: found.address };
};

const userPasswd: AdminAction = async (deps, params) => {
  const found = await account(deps, str(params, 'address'));
  const password = str(params, 'password');
  deps.passwords.check(password, found.address);
  return accountView(await deps.store.updateAccount(found.id, { passwordHash: await deps.passwords.hash(password) }));
};

const userQuota: AdminAction = async (deps, params) => {
  const found = await account(deps, str(params, 'address'));
  return accountView(await deps.store.updateAccount(found.id, { quotaBytes: quota(params['quota']) }));
};

const userEnable =
  (enabled: boolean): AdminAction =>
  async (deps, params) => {
    const found = await account(deps, str(params, 'address'));
    return accountView(await deps.store.updateAccount(found.id, { enabled }));
  };

// ---- aliases

/** Add targets to an alias, creating it: a distribution list grows one `alias add` at a time. */
const aliasAdd: AdminAction = async (deps, params): Promise<Alias> => {
  const addr = aliasAddress(deps, str(params, 'address'));
  const targets = strList(params, 'targets').map((t) => address(deps, t));
  if (targets.length === 0) throw new PochtaError('INVALID_ARGUMENT', 'targets: give at least one target address');
  if (!addr.startsWith('@') && (await deps.store.findAccount(addr))) {
    throw new PochtaError('ALREADY_EXISTS', `${addr} is already a user; an alias cannot have the same address`);
  }
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  if (!(await deps.store.getDomain(domain))) {
    throw new PochtaError('UNKNOWN_DOMAIN', `domain ${domain} is not served here (add it first: pochta domain add ${domain})`);
  }
  const existing = await deps.store.getAlias(addr);
  const merged = [...new Set([...(existing?.targets ?? []), ...targets])];
  return deps.store.setAlias(addr, merged);
};

const aliasList: AdminAction = async (deps, params) => {
  const domain = optStr(params, 'domain');
  return deps.store.listAliases(domain === undefined ? undefined : domainName(deps, domain));
};

/** Remove some targets, or the whole alias when none are given (or none are left). */
const aliasRemove: AdminAction = async (deps, params) => {
  const addr = aliasAddress(deps, str(params, 'address'));
  const existing = await deps.store.getAlias(addr);
  if (!existing) throw new PochtaError('NOT_FOUND', `no alias ${addr}`);
  const drop = params['targets'] === undefined ? [] : strList(params, 'targets').map((t) => address(deps, t));
  const missing = drop.filter((t) => !existing.targets.includes(t));
  if (missing.length > 0) throw new PochtaError('NOT_FOUND', `${addr} does not forward to ${missing.join(', ')}`);
  const left = existing.targets.filter((t) => !drop.includes(t));
  if (drop.length === 0 || left.length === 0) {
    await deps.store.removeAlias(addr);
    return { address: addr, targets: [] };
  }
  return deps.store.setAlias(addr, left);
};

// ---- settings

const settingsList: AdminAction = async (deps): Promise<SettingView[]> => {
  const stored = await deps.store.listSettings();
  const current = settingsFromValues(stored, { dev: deps.config.dev }) as unknown as Record<string, unknown>;
  return SETTING_KEYS.map((key) => ({
    key,
    value: maskSetting(key, current[key]),
    isDefault: stored[key] === undefined,
    description: SETTINGS[key].description,
    ...(SETTINGS[key].internal ? { internal: true } : {}),
  }));
};

const settingsGet: AdminAction = async (deps, params): Promise<SettingView> => {
  const key = str(params, 'key');
  checkSettingKey(key);
  const all = (await settingsList(deps, {})) as SettingView[];
  return all.find((s) => s.key === key)!;
};

/** Set one key ({key, value}) or several at once ({values}); validated all together, stored in one batch. */
const settingsSet: AdminAction = async (deps, params) => {
  const values: Record<string, unknown> =
    params['values'] !== undefined && typeof params['values'] === 'object' && params['values'] !== null
      ? { ...(params['values'] as Record<string, unknown>) }
      : { [str(params, 'key')]: params['value'] };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) throw new PochtaError('BAD_SETTING', `${key}: expected a value`);
  }
  const change = prepareSettingsChange(values, await deps.store.listSettings());
  await deps.store.setSettings(change);
  return Object.keys(change).map((key) => ({ key, value: maskSetting(key, change[key]) }));
};

/** Put keys back to their defaults. */
const settingsUnset: AdminAction = async (deps, params) => {
  const key = str(params, 'key');
  checkSettingKey(key);
  await deps.store.setSettings({ [key]: undefined });
  return { key };
};

// ---- status and maintenance

const status: AdminAction = async (deps): Promise<StatusView> => {
  const now = deps.now();
  return {
    version: deps.version,
    pid: process.pid,
    hostname: deps.config.hostname,
    dataDir: deps.config.dataDir,
    dev: deps.config.dev,
    ...(deps.startedAt !== undefined ? { startedAt: deps.startedAt, uptimeMs: now - deps.startedAt } : {}),
    listeners: deps.listeners
      ? (await deps.listeners()).map((l) => ({
          ...l,
          ...(l.state === 'running' && l.startedAt !== undefined ? { uptimeMs: now - l.startedAt } : {}),
        }))
      : [],
    store: await deps.store.stats(),
    ...(deps.watchdog ? { watchdog: deps.watchdog() } : {}),
  };
};

const fsck: AdminAction = async (deps, params): Promise<FsckReport> => deps.store.fsck({ repair: params['repair'] === true });

const backup: AdminAction = async (deps, params) => {
  const dir = str(params, 'dir');
  if (!dir.startsWith('/')) throw new PochtaError('INVALID_ARGUMENT', 'dir: expected an absolute path');
  return { dir, ...(await deps.store.backup(dir)) };
};

/** Restart a listener by name: clears its backoff and revives it when it had failed. */
const listenerRestart: AdminAction = async (deps, params) => {
  const name = str(params, 'name');
  if (!(LISTENER_NAMES as readonly string[]).includes(name)) {
    throw new PochtaError('INVALID_ARGUMENT', `name: expected one of ${LISTENER_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  if (!deps.restartListener) throw new PochtaError('DAEMON_NOT_RUNNING', 'listeners run only in the daemon');
  await deps.restartListener(name as ListenerName);
  const status = deps.listeners ? (await deps.listeners()).find((l) => l.name === name) : undefined;
  return status ?? { name };
};

function panelOf(deps: AdminDeps): Pick<FrontPanel, 'state' | 'press'> {
  if (!deps.panel) throw new PochtaError('DAEMON_NOT_RUNNING', 'the front panel runs only in the daemon');
  return deps.panel;
}

const gpioState: AdminAction = async (deps) => panelOf(deps).state();

/** Press the simulated button (FORBIDDEN on real hardware: presence must be physical). */
const gpioPress: AdminAction = async (deps, params) => panelOf(deps).press(str(params, 'kind'));

const ping: AdminAction = async (deps) => ({ version: deps.version, pid: process.pid });

/** Every action by the name the socket and the web UI use. */
export const ACTIONS: ReadonlyMap<string, AdminAction> = new Map<string, AdminAction>([
  ['ping', ping],
  ['domain.add', domainAdd],
  ['domain.list', domainList],
  ['domain.remove', domainRemove],
  ['user.add', userAdd],
  ['user.list', userList],
  ['user.show', userShow],
  ['user.remove', userRemove],
  ['user.passwd', userPasswd],
  ['user.quota', userQuota],
  ['user.enable', userEnable(true)],
  ['user.disable', userEnable(false)],
  ['alias.add', aliasAdd],
  ['alias.list', aliasList],
  ['alias.remove', aliasRemove],
  ['settings.list', settingsList],
  ['settings.get', settingsGet],
  ['settings.set', settingsSet],
  ['settings.unset', settingsUnset],
  ['status', status],
  ['listener.restart', listenerRestart],
  ['gpio.state', gpioState],
  ['gpio.press', gpioPress],
  ['fsck', fsck],
  ['backup', backup],
  // queue.list|show|retry|delete|bounce, owned by the outbound room.
  ...QUEUE_ACTIONS,
  // web.state, admin.password.set, admin.reset, auth.*, setup.finish, presence.request, stats.mail, log.tail, relay.test.
  ...WEB_ACTIONS,
]);

/** Run an action by name from `actions` (default ACTIONS). INVALID_ARGUMENT for an unknown one. */
export function runAdminAction(
  deps: AdminDeps,
  action: string,
  params: Params = {},
  actions: ReadonlyMap<string, AdminAction> = ACTIONS,
): Promise<unknown> {
  const run = actions.get(action);
  if (!run) return Promise.reject(new PochtaError('INVALID_ARGUMENT', `unknown admin action ${JSON.stringify(action)}`));
  return run(deps, params);
}

export { MASK };
