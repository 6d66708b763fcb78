// Runtime settings: what an admin changes while the box runs (relay, DNSBL,
// limits, queue). Values live in the store as JSON under these keys; this file
// alone knows their types, defaults and validation. Listeners read them with
// readSettings() and follow changes with watchSettings(), so a change applies
// without a restart.

import { isIP } from 'node:net';
import { PochtaError } from '../errors.ts';
import type { MailStore } from '../store/types.ts';
import { isHostname, parseHostPort } from './address.ts';
import { boolean, cidr, cidrOrHost, dnsServer, fail, Invalid, integer, list, positiveNumber, record, size } from './setting-checks.ts';

export type SmarthostTls = 'implicit' | 'starttls' | 'none';

export interface Smarthost {
  readonly host: string;
  readonly port: number;
  readonly tls: SmarthostTls;
  readonly user?: string;
  readonly password?: string;
}

export interface DnsblZone {
  readonly zone: string;
  /** Added to the score when the zone lists the client. */
  readonly weight: number;
  /** Answer addresses that count as a listing; absent = any 127.0.0.x answer except 127.255.255.x error codes. */
  readonly codes?: readonly string[];
}

export interface Settings {
  readonly 'relay.trustedNetworks': readonly string[];
  readonly 'relay.smarthost': Smarthost | null;
  readonly 'dnsbl.zones': readonly DnsblZone[];
  readonly 'dnsbl.threshold': number;
  readonly 'dnsbl.allow': readonly string[];
  readonly 'dnsbl.rejectAt': 'connect' | 'rcpt';
  readonly 'dnsbl.timeoutMs': number;
  readonly 'dns.servers': readonly string[];
  readonly 'dmarc.enforceReject': boolean;
  readonly 'limits.messageSize': number;
  readonly 'limits.recipientsPerMessage': number;
  readonly 'limits.connectionsPerIp': number;
  readonly 'limits.connectionsTotal': number;
  readonly 'limits.messagesPerMinutePerIp': number;
  readonly 'limits.authFailuresPerIp': number;
  readonly 'queue.lifetimeHours': number;
  readonly 'queue.delayNoticeHours': number;
  readonly 'setup.done': boolean;
}

export type SettingKey = keyof Settings;

export interface SettingsMode {
  /** Dev mode changes a few defaults (see each spec). */
  readonly dev: boolean;
}

interface SettingSpec<T> {
  readonly description: string;
  readonly default: (mode: SettingsMode) => T;
  /** Check and normalise a value; throws Invalid with a message saying what is expected. */
  readonly parse: (value: unknown, key: string) => T;
  /** The value as shown to people: secrets replaced by MASK. */
  readonly mask?: (value: T) => T;
  /** Kept by the daemon and the web UI; shown but not meant for hand editing. */
  readonly internal?: boolean;
}

/** What list/get show instead of a secret; setting it back keeps the stored secret. */
export const MASK = '********';

const zone = (value: unknown, key: string): DnsblZone => {
  if (typeof value === 'string') value = { zone: value };
  const obj = record(value, key, ['zone', 'weight', 'codes'], ['zone']);
  const name = obj['zone'];
  if (typeof name !== 'string' || !isHostname(name) || !name.includes('.'))
    fail(`${key}.zone`, 'a DNS zone such as zen.spamhaus.org', name);
  const weight = obj['weight'] ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight)) fail(`${key}.weight`, 'a number', weight);
  const result: { zone: string; weight: number; codes?: string[] } = { zone: (name as string).toLowerCase(), weight: weight as number };
  if (obj['codes'] !== undefined) {
    result.codes = list((code: unknown, k: string) => {
      if (typeof code !== 'string' || isIP(code) !== 4) return fail(k, 'an IPv4 answer code such as 127.0.0.2', code);
      return code;
    }, 'IPv4 answer codes')(obj['codes'], `${key}.codes`);
  }
  return result;
};

const smarthost = (value: unknown, key: string): Smarthost | null => {
  if (value === null || value === 'none' || value === '') return null;
  // `settings set relay.smarthost smtp.isp.net:587` is the common case: STARTTLS, no AUTH.
  if (typeof value === 'string') {
    const parsed = parseHostPort(value, { defaultPort: 587 });
    if (typeof parsed === 'string') return fail(key, 'null, HOST:PORT or {host, port, tls, user?, password?}', value);
    value = { host: parsed.host, port: parsed.port };
  }
  const obj = record(value, key, ['host', 'port', 'tls', 'user', 'password'], ['host']);
  const host = obj['host'];
  if (typeof host !== 'string' || (!isHostname(host) && !isIP(host))) fail(`${key}.host`, 'a host name or IP address', host);
  const port = integer(1, 65535)(obj['port'] ?? 587, `${key}.port`);
  const tls = obj['tls'] ?? (port === 465 ? 'implicit' : 'starttls');
  if (tls !== 'implicit' && tls !== 'starttls' && tls !== 'none') fail(`${key}.tls`, '"implicit", "starttls" or "none"', tls);
  const result: { host: string; port: number; tls: SmarthostTls; user?: string; password?: string } = {
    host: (host as string).toLowerCase(),
    port,
    tls: tls as SmarthostTls,
  };
  for (const field of ['user', 'password'] as const) {
    const v = obj[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0) fail(`${key}.${field}`, 'a non-empty string', field === 'password' ? '(hidden)' : v);
    result[field] = v as string;
  }
  if ((result.user === undefined) !== (result.password === undefined)) {
    throw new Invalid(key, 'user and password go together: give both or neither');
  }
  return result;
};

const DEFAULT_ZONES: readonly DnsblZone[] = [
  { zone: 'zen.spamhaus.org', weight: 1 },
  { zone: 'bl.spamcop.net', weight: 1 },
  { zone: 'b.barracudacentral.org', weight: 1 },
];

const LOOPBACK = ['127.0.0.1/32', '::1/128'];

export const SETTINGS: { readonly [K in SettingKey]: SettingSpec<Settings[K]> } = {
  'relay.trustedNetworks': {
    description: 'Networks that may relay without logging in (CIDR list). The admin adds the office LAN.',
    // Loopback only, in dev and on the box alike: tests act as strangers from
    // other loopback addresses (127.0.0.9), and the LAN is added by the admin.
    default: () => LOOPBACK,
    parse: list(cidr, 'CIDR blocks'),
  },
  'relay.smarthost': {
    description: 'Send all outbound mail through this server ({host, port, tls, user?, password?}), or null for direct MX delivery.',
    default: () => null,
    parse: smarthost,
    mask: (value) => (value?.password === undefined ? value : { ...value, password: MASK }),
  },
  'dnsbl.zones': {
    description: 'DNS blocklists checked at connect: [{zone, weight, codes?}].',
    default: () => DEFAULT_ZONES,
    parse: list(zone, 'zones ({zone, weight, codes?})'),
  },
  'dnsbl.threshold': {
    description: 'A client whose summed zone weights reach this score is refused.',
    default: () => 1,
    parse: positiveNumber,
  },
  'dnsbl.allow': {
    description: 'Clients never checked against blocklists (CIDR blocks and host names).',
    default: () => [],
    parse: list(cidrOrHost, 'CIDR blocks or host names'),
  },
  'dnsbl.rejectAt': {
    description: 'Refuse a listed client at "connect" or at the first "rcpt".',
    default: () => 'connect',
    parse: (value, key) => (value === 'connect' || value === 'rcpt' ? value : fail(key, '"connect" or "rcpt"', value)),
  },
  'dnsbl.timeoutMs': {
    description: 'Per-lookup timeout; a zone that does not answer in time is skipped.',
    default: () => 2000,
    parse: integer(100, 30000),
  },
  'dns.servers': {
    description: 'DNS servers the daemon asks (IP or IP:PORT); empty = the system resolver.',
    default: () => [],
    parse: list(dnsServer, 'DNS servers (IP or IP:PORT)'),
  },
  'dmarc.enforceReject': {
    description: 'Refuse mail whose sender domain publishes DMARC p=reject and fails it.',
    default: () => true,
    parse: boolean,
  },
  'limits.messageSize': {
    description: 'Largest message accepted, in bytes (25M, 50M).',
    default: () => 25 * 1024 * 1024,
    parse: size(1024, 1024 ** 3),
  },
  'limits.recipientsPerMessage': {
    description: 'Most recipients in one message.',
    default: () => 100,
    parse: integer(1, 10000),
  },
  'limits.connectionsPerIp': {
    description: 'Most simultaneous connections from one IP address.',
    default: () => 10,
    parse: integer(1, 10000),
  },
  'limits.connectionsTotal': {
    description: 'Most simultaneous connections in total, per listener.',
    default: () => 200,
    parse: integer(1, 100000),
  },
  'limits.messagesPerMinutePerIp': {
    description: 'Most messages one IP address may send per minute.',
    default: () => 60,
    parse: integer(1, 100000),
  },
  'limits.authFailuresPerIp': {
    description: 'Failed logins from one IP address before it is slowed down.',
    default: () => 5,
    parse: integer(1, 1000),
  },
  'queue.lifetimeHours': {
    description: 'How long outbound mail is retried before it bounces.',
    default: () => 120,
    parse: integer(1, 24 * 30),
  },
  'queue.delayNoticeHours': {
    description: 'Tell the sender that a message is delayed after this many hours (0 = never).',
    default: () => 4,
    parse: integer(0, 24 * 30),
  },
  'setup.done': {
    description: 'Set by the web UI once first-boot setup is finished.',
    default: () => false,
    parse: boolean,
    internal: true,
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** UNKNOWN_SETTING (naming the keys of the same group) unless `key` is a setting. */
export function checkSettingKey(key: string): SettingKey {
  specOf(key);
  return key as SettingKey;
}

function specOf(key: string): SettingSpec<unknown> {
  if (!isSettingKey(key)) {
    const near = SETTING_KEYS.filter((k) => k.split('.')[0] === key.split('.')[0]);
    const hint = near.length > 0 ? ` (${near.join(', ')})` : ` (pochta settings list shows them all)`;
    throw new PochtaError('UNKNOWN_SETTING', `unknown setting ${JSON.stringify(key)}${hint}`);
  }
  return SETTINGS[key] as SettingSpec<unknown>;
}

/** Validate one value for a key. UNKNOWN_SETTING, or BAD_SETTING naming the key and what is expected. */
export function validateSetting<K extends SettingKey>(key: K, value: unknown): Settings[K];
export function validateSetting(key: string, value: unknown): unknown;
export function validateSetting(key: string, value: unknown): unknown {
  const spec = specOf(key);
  try {
    return deepFreeze(spec.parse(value, key));
  } catch (err) {
    if (err instanceof Invalid) throw new PochtaError('BAD_SETTING', `${err.key}: ${err.message}`);
    throw err;
  }
}

/** The default of a key in a mode. */
export function defaultSetting<K extends SettingKey>(key: K, mode: SettingsMode): Settings[K] {
  return SETTINGS[key].default(mode);
}

/** A value as shown to people (secrets masked). */
export function maskSetting(key: string, value: unknown): unknown {
  const spec = specOf(key);
  return spec.mask ? spec.mask(value) : value;
}

/** All settings from their stored values, defaults for missing ones; a stored value that no longer validates falls back to its default. */
export function settingsFromValues(stored: Readonly<Record<string, unknown>>, mode: SettingsMode): Settings {
  const result: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key] as SettingSpec<unknown>;
    let value = spec.default(mode);
    if (stored[key] !== undefined) {
      try {
        value = spec.parse(stored[key], key);
      } catch {
        // Written by another version with other rules: the default is the safe reading.
      }
    }
    result[key] = deepFreeze(value);
  }
  return Object.freeze(result) as unknown as Settings;
}

/** Read every runtime setting from the store. */
export async function readSettings(store: Pick<MailStore, 'listSettings'>, mode: SettingsMode): Promise<Settings> {
  return settingsFromValues(await store.listSettings(), mode);
}

/**
 * Call `onChange` with fresh settings whenever the admin changes one (the
 * store's 'settings-changed' event). Returns the unsubscribe function. Reads
 * are serialised so a slow read never overwrites a newer one.
 */
export function watchSettings(
  store: Pick<MailStore, 'listSettings' | 'subscribe'>,
  mode: SettingsMode,
  onChange: (settings: Settings, keys: readonly string[]) => void,
  onError: (err: unknown) => void = () => {},
): () => void {
  let chain = Promise.resolve();
  return store.subscribe((event) => {
    if (event.type !== 'settings-changed') return;
    // A failed read was reported already; it must not stop the next one.
    chain = chain.catch(() => {}).then(() => readSettings(store, mode).then((settings) => onChange(settings, event.keys)));
    chain.catch(onError);
  });
}

/**
 * Validate a change of several keys against what is stored now; a masked
 * secret sent back (as the web UI does) keeps the stored one. Returns the
 * values to store (undefined = back to default).
 */
export function prepareSettingsChange(
  changes: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(changes)) {
    if (raw === undefined) {
      specOf(key);
      out[key] = undefined;
      continue;
    }
    let value = validateSetting(key, raw);
    if (key === 'relay.smarthost' && value !== null) {
      const host = value as Smarthost;
      const old = stored[key] as Smarthost | null | undefined;
      if (host.password === MASK) {
        if (!old?.password) throw new PochtaError('BAD_SETTING', `${key}.password: expected the password, got the mask ${MASK}`);
        value = { ...host, password: old.password };
      }
    }
    out[key] = value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
