// The bootstrap config: what the daemon needs before it can open the store.
// Sources, later ones winning: defaults (dev or appliance), a JSON file
// (--config or POCHTA_CONFIG), the environment (POCHTA_*), then flags. Each
// source is validated on its own so an error can name exactly where the bad
// value came from; the merged result is frozen and only main.ts reads it.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PochtaError } from '../errors.ts';
import { LISTENER_NAMES, type ListenAddress, type ListenerName, type TlsFiles } from '../supervisor/service.ts';
import { formatHostPort, isHostname, parseHostPort } from './address.ts';

/** Listeners that own a socket (the queue runner has none). */
export const SOCKET_LISTENERS = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'web'] as const;
export type SocketListenerName = (typeof SOCKET_LISTENERS)[number];

export const STANDARD_PORTS: Readonly<Record<SocketListenerName, number>> = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  web: 443,
};

/** Unprivileged ports for `--dev`, all on 127.0.0.1 (documented in README.md). */
export const DEV_PORTS: Readonly<Record<SocketListenerName, number>> = {
  smtp: 2525,
  submission: 2587,
  smtps: 2465,
  imap: 2143,
  imaps: 2993,
  pop3: 2110,
  pop3s: 2995,
  web: 8080,
};

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The gpio room's drivers: the kernel's LED/key devices, sysfs GPIO, the simulation, or the first that works. */
export const GPIO_DRIVERS = ['auto', 'kernel', 'sysfs', 'sim'] as const;
export type GpioDriver = (typeof GPIO_DRIVERS)[number];

export interface Config {
  readonly dev: boolean;
  /** Absolute path of the data directory (store, blobs, TLS files, admin socket). */
  readonly dataDir: string;
  /** The box's mail name: SMTP greeting, certificate subject. */
  readonly hostname: string;
  readonly listeners: Readonly<Record<SocketListenerName, ListenAddress>>;
  /** Listeners switched off (`--listen pop3=off`); the daemon does not run them. */
  readonly off: readonly ListenerName[];
  readonly tls: TlsFiles;
  /** Unix socket the CLI talks to. */
  readonly adminSocket: string;
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  readonly gpio: { readonly driver: GpioDriver };
  /** The config file that was read, if any. */
  readonly configFile?: string;
}

export interface ConfigFlags {
  readonly config?: string;
  readonly dev?: boolean;
  readonly data?: string;
  readonly hostname?: string;
  readonly listen?: readonly string[];
  readonly logLevel?: string;
}

export interface ConfigSources {
  readonly flags: ConfigFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths in flags and the environment resolve against this. */
  readonly cwd: string;
  /** Reads the config file; injectable for tests. */
  readonly readFile?: (path: string) => string;
}

/** One source's contribution, already type-checked. */
interface Layer {
  dev?: boolean;
  dataDir?: string;
  hostname?: string;
  listeners?: Partial<Record<ListenerName, ListenAddress | 'off'>>;
  certPath?: string;
  keyPath?: string;
  adminSocket?: string;
  logLevel?: LogLevel;
  logPretty?: boolean;
  gpioDriver?: GpioDriver;
}

/** A config problem: `key` names the source (flag, variable or file key); the message is one line. */
export function configError(key: string, problem: string): PochtaError {
  return new PochtaError('BAD_CONFIG', `${key}: ${problem}`);
}

/** Build the frozen config from every source. Throws BAD_CONFIG naming the key and the problem. */
export function loadConfig(sources: ConfigSources): Config {
  const read = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const flagLayer = layerFromFlags(sources.flags, sources.cwd);
  const envLayer = layerFromEnv(sources.env, sources.cwd);

  const configPath = sources.flags.config ?? emptyToUndefined(sources.env['POCHTA_CONFIG']);
  let fileLayer: Layer = {};
  let configFile: string | undefined;
  if (configPath !== undefined) {
    configFile = resolve(sources.cwd, configPath);
    const key = sources.flags.config !== undefined ? '--config' : 'POCHTA_CONFIG';
    let text: string;
    try {
      text = read(configFile);
    } catch (err) {
      throw configError(key, `cannot read ${configFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw configError(configFile, `not valid JSON (${(err as Error).message})`);
    }
    fileLayer = layerFromFile(json, configFile);
  }

  const dev = flagLayer.dev ?? envLayer.dev ?? fileLayer.dev ?? false;
  const defaults = defaultLayer(dev, sources.cwd);
  const layers = [defaults, fileLayer, envLayer, flagLayer];
  const pick = <K extends keyof Layer>(key: K): Layer[K] => {
    const found = layers.findLast((layer) => layer[key] !== undefined);
    return found?.[key];
  };

  const dataDir = pick('dataDir')!;
  const listeners = {} as Record<SocketListenerName, ListenAddress>;
  const off: ListenerName[] = [];
  for (const name of LISTENER_NAMES) {
    let value: ListenAddress | 'off' | undefined = defaults.listeners?.[name];
    let address = value === 'off' ? undefined : value;
    for (const layer of layers) {
      const v = layer.listeners?.[name];
      if (v === undefined) continue;
      value = v;
      if (v !== 'off') address = v;
    }
    if (value === 'off') off.push(name);
    if (address) listeners[name as SocketListenerName] = Object.freeze({ ...address });
  }
  checkDistinct(listeners, off);

  const adminSocket = pick('adminSocket') ?? resolve(dataDir, 'admin.sock');
  // sun_path holds 108 bytes with the terminating NUL; a longer path fails at listen() with a cryptic EINVAL.
  if (Buffer.byteLength(adminSocket) > 107) {
    throw configError(
      'adminSocket',
      `${adminSocket} is too long for a unix socket (at most 107 bytes); set POCHTA_ADMIN_SOCKET to a shorter path`,
    );
  }

  const config: Config = {
    dev,
    dataDir,
    hostname: pick('hostname')!,
    listeners: Object.freeze(listeners),
    off: Object.freeze(off),
    tls: Object.freeze({
      certPath: pick('certPath') ?? resolve(dataDir, 'tls', 'cert.pem'),
      keyPath: pick('keyPath') ?? resolve(dataDir, 'tls', 'key.pem'),
    }),
    adminSocket,
    log: Object.freeze({ level: pick('logLevel')!, pretty: pick('logPretty')! }),
    gpio: Object.freeze({ driver: pick('gpioDriver')! }),
    ...(configFile !== undefined ? { configFile } : {}),
  };
  return Object.freeze(config);
}

function defaultLayer(dev: boolean, cwd: string): Layer {
  const listeners: Partial<Record<ListenerName, ListenAddress>> = {};
  for (const name of SOCKET_LISTENERS) {
    listeners[name] = dev ? { host: '127.0.0.1', port: DEV_PORTS[name] } : { host: '0.0.0.0', port: STANDARD_PORTS[name] };
  }
  return {
    dev,
    dataDir: dev ? resolve(cwd, 'data') : '/var/lib/pochta',
    // The first-boot name of the box (mDNS); the admin renames it from the web UI.
    hostname: dev ? 'localhost' : 'pochta.local',
    listeners,
    logLevel: dev ? 'debug' : 'info',
    logPretty: dev,
    gpioDriver: dev ? 'sim' : 'auto',
  };
}

/** Two listeners on one address would make the second fail at every restart; refuse up front. */
function checkDistinct(listeners: Record<SocketListenerName, ListenAddress>, off: readonly ListenerName[]): void {
  const seen = new Map<string, SocketListenerName>();
  for (const name of SOCKET_LISTENERS) {
    const address = listeners[name];
    if (address.port === 0 || off.includes(name)) continue;
    const key = `${address.host}|${address.port}`;
    const other = seen.get(key);
    if (other) throw configError(`listeners.${name}`, `${formatHostPort(address)} is also the address of listener ${other}`);
    seen.set(key, name);
  }
}

function layerFromFlags(flags: ConfigFlags, cwd: string): Layer {
  const layer: Layer = {};
  if (flags.dev !== undefined) layer.dev = flags.dev;
  if (flags.data !== undefined) layer.dataDir = checkPath('--data', flags.data, cwd);
  if (flags.hostname !== undefined) layer.hostname = checkHostname('--hostname', flags.hostname);
  if (flags.logLevel !== undefined) layer.logLevel = checkOneOf('--log-level', flags.logLevel, LOG_LEVELS);
  if (flags.listen !== undefined && flags.listen.length > 0) {
    layer.listeners = {};
    for (const item of flags.listen) {
      const [name, address] = parseListen('--listen', item);
      layer.listeners[name] = address;
    }
  }
  return layer;
}

function layerFromEnv(env: Readonly<Record<string, string | undefined>>, cwd: string): Layer {
  const layer: Layer = {};
  const get = (key: string) => emptyToUndefined(env[key]);
  const dev = get('POCHTA_DEV');
  if (dev !== undefined) layer.dev = checkBoolText('POCHTA_DEV', dev);
  const data = get('POCHTA_DATA');
  if (data !== undefined) layer.dataDir = checkPath('POCHTA_DATA', data, cwd);
  const hostname = get('POCHTA_HOSTNAME');
  if (hostname !== undefined) layer.hostname = checkHostname('POCHTA_HOSTNAME', hostname);
  const listen = get('POCHTA_LISTEN');
  if (listen !== undefined) {
    layer.listeners = {};
    for (const item of listen.split(/[\s,]+/).filter(Boolean)) {
      const [name, address] = parseListen('POCHTA_LISTEN', item);
      layer.listeners[name] = address;
    }
  }
  const cert = get('POCHTA_TLS_CERT');
  if (cert !== undefined) layer.certPath = checkPath('POCHTA_TLS_CERT', cert, cwd);
  const key = get('POCHTA_TLS_KEY');
  if (key !== undefined) layer.keyPath = checkPath('POCHTA_TLS_KEY', key, cwd);
  const socket = get('POCHTA_ADMIN_SOCKET');
  if (socket !== undefined) layer.adminSocket = checkPath('POCHTA_ADMIN_SOCKET', socket, cwd);
  const level = get('POCHTA_LOG_LEVEL');
  if (level !== undefined) layer.logLevel = checkOneOf('POCHTA_LOG_LEVEL', level, LOG_LEVELS);
  const pretty = get('POCHTA_LOG_PRETTY');
  if (pretty !== undefined) layer.logPretty = checkBoolText('POCHTA_LOG_PRETTY', pretty);
  const gpio = get('POCHTA_GPIO_DRIVER');
  if (gpio !== undefined) layer.gpioDriver = checkOneOf('POCHTA_GPIO_DRIVER', gpio, GPIO_DRIVERS);
  return layer;
}

const FILE_KEYS = ['dev', 'dataDir', 'hostname', 'listeners', 'tls', 'adminSocket', 'log', 'gpio'] as const;

function layerFromFile(json: unknown, file: string): Layer {
  const base = dirname(file);
  const at = (key: string) => `${file}: ${key}`;
  const root = checkObject(file, json, FILE_KEYS);
  const layer: Layer = {};
  if (root['dev'] !== undefined) layer.dev = checkBool(at('dev'), root['dev']);
  if (root['dataDir'] !== undefined) layer.dataDir = checkPath(at('dataDir'), checkString(at('dataDir'), root['dataDir']), base);
  if (root['hostname'] !== undefined) layer.hostname = checkHostname(at('hostname'), checkString(at('hostname'), root['hostname']));
  if (root['adminSocket'] !== undefined) {
    layer.adminSocket = checkPath(at('adminSocket'), checkString(at('adminSocket'), root['adminSocket']), base);
  }
  if (root['listeners'] !== undefined) {
    const listeners = checkObject(at('listeners'), root['listeners'], LISTENER_NAMES);
    layer.listeners = {};
    for (const name of LISTENER_NAMES) {
      const value = listeners[name];
      if (value === undefined) continue;
      const key = at(`listeners.${name}`);
      if (value === false || value === 'off') {
        layer.listeners[name] = 'off';
      } else if (name === 'queue') {
        throw configError(key, `expected false or "off" (the queue has no address), got ${describe(value)}`);
      } else if (typeof value === 'string') {
        const parsed = parseHostPort(value);
        if (typeof parsed === 'string') throw configError(key, parsed);
        layer.listeners[name] = parsed;
      } else {
        const obj = checkObject(key, value, ['host', 'port']);
        const host = checkString(`${key}.host`, obj['host']);
        const port = obj['port'];
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
          throw configError(`${key}.port`, `expected an integer 0-65535, got ${JSON.stringify(port)}`);
        }
        const parsed = parseHostPort(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
        if (typeof parsed === 'string')
          throw configError(`${key}.host`, `expected an IP address or host name, got ${JSON.stringify(host)}`);
        layer.listeners[name] = parsed;
      }
    }
  }
  if (root['tls'] !== undefined) {
    const tls = checkObject(at('tls'), root['tls'], ['certPath', 'keyPath']);
    if (tls['certPath'] !== undefined)
      layer.certPath = checkPath(at('tls.certPath'), checkString(at('tls.certPath'), tls['certPath']), base);
    if (tls['keyPath'] !== undefined) layer.keyPath = checkPath(at('tls.keyPath'), checkString(at('tls.keyPath'), tls['keyPath']), base);
  }
  if (root['log'] !== undefined) {
    const log = checkObject(at('log'), root['log'], ['level', 'pretty']);
    if (log['level'] !== undefined) layer.logLevel = checkOneOf(at('log.level'), checkString(at('log.level'), log['level']), LOG_LEVELS);
    if (log['pretty'] !== undefined) layer.logPretty = checkBool(at('log.pretty'), log['pretty']);
  }
  if (root['gpio'] !== undefined) {
    const gpio = checkObject(at('gpio'), root['gpio'], ['driver']);
    if (gpio['driver'] !== undefined) {
      layer.gpioDriver = checkOneOf(at('gpio.driver'), checkString(at('gpio.driver'), gpio['driver']), GPIO_DRIVERS);
    }
  }
  return layer;
}

/** Parse `NAME=HOST:PORT`, or `NAME=off` to switch a listener off. */
export function parseListen(key: string, text: string): [ListenerName, ListenAddress | 'off'] {
  const eq = text.indexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : '';
  if (!(LISTENER_NAMES as readonly string[]).includes(name)) {
    throw configError(
      key,
      `expected NAME=HOST:PORT or NAME=off with NAME one of ${LISTENER_NAMES.join(', ')}, got ${JSON.stringify(text)}`,
    );
  }
  if (text.slice(eq + 1) === 'off') return [name as ListenerName, 'off'];
  if (name === 'queue')
    throw configError(`${key} queue`, `expected off (the queue has no address), got ${JSON.stringify(text.slice(eq + 1))}`);
  const parsed = parseHostPort(text.slice(eq + 1));
  if (typeof parsed === 'string') throw configError(`${key} ${name}`, parsed);
  return [name as ListenerName, parsed];
}

function checkObject(key: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(key, `expected an object, got ${describe(value)}`);
  }
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) throw configError(key, `unknown key ${JSON.stringify(k)} (known: ${allowed.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function checkString(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw configError(key, `expected a non-empty string, got ${describe(value)}`);
  return value;
}

function checkBool(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw configError(key, `expected true or false, got ${describe(value)}`);
  return value;
}

function checkBoolText(key: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw configError(key, `expected 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(value)}`);
}

function checkOneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw configError(key, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function checkHostname(key: string, value: string): string {
  if (!isHostname(value)) throw configError(key, `expected a host name such as mail.example.com, got ${JSON.stringify(value)}`);
  return value.toLowerCase().replace(/\.$/, '');
}

function checkPath(key: string, value: string, base: string): string {
  if (value.length === 0 || value.includes('\0')) throw configError(key, `expected a path, got ${JSON.stringify(value)}`);
  return resolve(base, value);
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
