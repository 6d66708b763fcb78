// Small checks for runtime setting values: each takes the value and the key it
// sits at (for nested values, e.g. `dnsbl.zones[2].weight`), returns the value
// normalised, or throws Invalid saying what was expected.

import { isIP } from 'node:net';
import { formatHostPort, isHostname, parseCidr, parseHostPort } from './address.ts';
import { parseSize } from './size.ts';

/** A validation failure at a (possibly nested) key. */
export class Invalid extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

export const fail = (key: string, expected: string, value: unknown): never => {
  throw new Invalid(key, `expected ${expected}, got ${show(value)}`);
};

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const integer =
  (min: number, max: number) =>
  (value: unknown, key: string): number => {
    if (typeof value === 'string' && /^\d+$/.test(value)) value = Number(value);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return fail(key, `an integer from ${min} to ${max}`, value);
    }
    return value;
  };

export const positiveNumber = (value: unknown, key: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return fail(key, 'a number above 0', value);
  return value;
};

export const boolean = (value: unknown, key: string): boolean => {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (typeof value !== 'boolean') return fail(key, 'true or false', value);
  return value;
};

export const size =
  (min: number, max: number) =>
  (value: unknown, key: string): number => {
    const bytes = typeof value === 'number' || typeof value === 'string' ? parseSize(value) : undefined;
    if (bytes === undefined || bytes < min || bytes > max) return fail(key, `a size from ${min} to ${max} bytes (e.g. 25M)`, value);
    return bytes;
  };

export function list<T>(item: (value: unknown, key: string) => T, what: string) {
  return (value: unknown, key: string): T[] => {
    // A single item is accepted as a one-item list: `settings set dns.servers 127.0.0.1:53`.
    if (typeof value === 'string') value = value === '' ? [] : value.split(/[\s,]+/).filter(Boolean);
    if (!Array.isArray(value)) return fail(key, `a list of ${what}`, value);
    return value.map((entry, i) => item(entry, `${key}[${i}]`));
  };
}

export const cidr = (value: unknown, key: string): string => {
  const parsed = typeof value === 'string' ? parseCidr(value) : undefined;
  if (!parsed) return fail(key, 'a CIDR block such as 192.168.1.0/24 or fd00::/8', value);
  return `${parsed.address}/${parsed.prefix}`;
};

export const cidrOrHost = (value: unknown, key: string): string => {
  if (typeof value === 'string') {
    const parsed = parseCidr(value);
    if (parsed) return `${parsed.address}/${parsed.prefix}`;
    const host = value.startsWith('*.') ? value.slice(2) : value;
    if (isHostname(host) && !/^[\d.]+$/.test(host)) return value.toLowerCase();
  }
  return fail(key, 'a CIDR block (10.0.0.0/8) or a host name (mail.example.com, *.example.com)', value);
};

export const dnsServer = (value: unknown, key: string): string => {
  // A bare IPv6 address has colons but no port: take it whole.
  const text = typeof value === 'string' && isIP(value) === 6 ? `[${value}]` : value;
  const parsed = typeof text === 'string' ? parseHostPort(text, { defaultPort: 53 }) : undefined;
  if (parsed === undefined || typeof parsed === 'string' || !isIP(parsed.host) || parsed.port === 0) {
    return fail(key, 'a DNS server as IP or IP:PORT ([IPv6]:PORT)', value);
  }
  return formatHostPort(parsed);
};

export function record(value: unknown, key: string, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(key, `an object with ${required.join(', ')}`, value);
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) throw new Invalid(`${key}.${k}`, `unknown field (known: ${allowed.join(', ')})`);
  }
  for (const k of required) {
    if ((value as Record<string, unknown>)[k] === undefined) throw new Invalid(`${key}.${k}`, 'is required');
  }
  return value as Record<string, unknown>;
}
