// Envelope address syntax policy for the relay. Old MTAs honoured routing inside
// the local part (user%other@local, other!user@local, "user@other"@local) or a
// source route (@local:user@other): a server that accepts such an address "for a
// local domain" and then routes it onward is an open relay. We refuse them all,
// whoever the client is, before any relay decision, and hand back one normal
// form (lower-case local@domain, IDNA domain) for lookups.
// Pure functions; no DNS, no store.

import { domainToASCII } from 'node:url';
import { reject, type Verdict } from './verdict.ts';

export type RoutingTrick =
  /** user%other@local — the "percent hack". */
  | 'percent-hack'
  /** other!user@local — a UUCP bang path. */
  | 'bang-path'
  /** @local:user@other — an RFC 821 source route. */
  | 'source-route'
  /** "user@other"@local — routing hidden in a quoted local part. */
  | 'quoted-routing'
  /** user@other@local — more than one unquoted @. */
  | 'multiple-at'
  /** user@[192.0.2.1] — an address literal names a host, not a domain we serve. */
  | 'address-literal';

export type AddressProblem = RoutingTrick | 'syntax' | 'too-long' | 'empty';

export type AddressCheck =
  | {
      readonly ok: true;
      /** Normal form: lower-case local@domain, domain in IDNA (A-label) form. */
      readonly address: string;
      readonly local: string;
      readonly domain: string;
    }
  | { readonly ok: false; readonly problem: AddressProblem; readonly verdict: Verdict };

const TRICK_TEXT: Record<RoutingTrick, string> = {
  'percent-hack': 'Relay denied: % routing in address not allowed',
  'bang-path': 'Relay denied: ! routing in address not allowed',
  'source-route': 'Relay denied: source routes not allowed',
  'quoted-routing': 'Relay denied: routing in quoted address not allowed',
  'multiple-at': 'Relay denied: more than one @ in address',
  'address-literal': 'Relay denied: address literals not accepted',
};

// RFC 5321 4.5.3.1: local part 64 octets, domain 255, path 256 including brackets.
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 254;

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function fail(problem: AddressProblem): AddressCheck {
  if (problem === 'syntax' || problem === 'empty')
    return { ok: false, problem, verdict: reject('Bad recipient address syntax', 553, '5.1.3') };
  if (problem === 'too-long') return { ok: false, problem, verdict: reject('Address too long', 553, '5.1.3') };
  return { ok: false, problem, verdict: reject(TRICK_TEXT[problem], 554, '5.7.1') };
}

/**
 * Check and normalise a recipient (RCPT TO) address, with or without angle
 * brackets. Refuses every routing trick and anything not plainly local@domain.
 */
export function checkRecipientAddress(raw: string): AddressCheck {
  let s = raw.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (s === '') return fail('empty');
  if (hasControl(s) || /\s/.test(s.replace(/"(?:[^"\\]|\\.)*"/g, ''))) return fail('syntax');
  if (s.startsWith('@')) return fail('source-route');
  if (s.length > MAX_PATH) return fail('too-long');

  const split = splitAddress(s);
  if (split === undefined) return fail('syntax');
  const { local, domain, quoted } = split;

  if (domain.startsWith('[')) return fail('address-literal');
  if (!quoted && local.includes('@')) return fail('multiple-at');
  if (quoted) {
    // Routing characters inside quotes are the same trick, dressed up.
    if (/[@%!:]/.test(local)) return fail('quoted-routing');
  } else {
    if (local.includes('%')) return fail('percent-hack');
    if (local.includes('!')) return fail('bang-path');
  }

  const normLocal = normaliseLocal(local, quoted);
  if (normLocal === undefined) return fail('syntax');
  if (Buffer.byteLength(normLocal) > MAX_LOCAL) return fail('too-long');
  const normDomain = normaliseDomain(domain);
  if (normDomain === undefined) return fail('syntax');
  if (normDomain.length > MAX_DOMAIN) return fail('too-long');
  return { ok: true, address: `${normLocal}@${normDomain}`, local: normLocal, domain: normDomain };
}

/**
 * The sender (MAIL FROM): the null path "" / "<>" is valid (bounces); otherwise
 * the same rules as a recipient. `address` is "" for the null path.
 */
export function checkSenderAddress(raw: string): AddressCheck {
  const s = raw.trim();
  if (s === '' || s === '<>') return { ok: true, address: '', local: '', domain: '' };
  const r = checkRecipientAddress(s);
  if (r.ok || r.problem !== 'syntax') return r;
  return { ok: false, problem: 'syntax', verdict: reject('Bad sender address syntax', 553, '5.1.7') };
}

/** The normal form of an address, or undefined when it is refused. */
export function normaliseAddress(raw: string): string | undefined {
  const r = checkRecipientAddress(raw);
  return r.ok ? r.address : undefined;
}

/** Split at the @ that separates local part from domain: the last one outside quotes. */
function splitAddress(s: string): { local: string; domain: string; quoted: boolean } | undefined {
  if (s.startsWith('"')) {
    // Find the closing quote, honouring backslash escapes.
    let i = 1;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') i++;
      else if (c === '"') break;
    }
    if (i >= s.length || s[i + 1] !== '@') return undefined;
    return { local: s.slice(0, i + 1), domain: s.slice(i + 2), quoted: true };
  }
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return undefined;
  return { local: s.slice(0, at), domain: s.slice(at + 1), quoted: false };
}

// A quoted local part whose content is a plain dot-atom is the same mailbox
// unquoted (RFC 5321 4.1.2); anything else stays quoted and will simply match
// no local user.
function normaliseLocal(local: string, quoted: boolean): string | undefined {
  let content = local;
  if (quoted) {
    content = local.slice(1, -1).replace(/\\(.)/g, '$1');
    if (content === '') return undefined;
    if (!isDotAtom(content)) return `"${content.replace(/(["\\])/g, '\\$1').toLowerCase()}"`;
  } else if (!isDotAtom(content)) {
    return undefined;
  }
  return content.toLowerCase();
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function isDotAtom(s: string): boolean {
  return s.split('.').every((part) => ATEXT.test(part));
}

function normaliseDomain(domain: string): string | undefined {
  const d = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (d === '' || d.includes('..')) return undefined;
  // domainToASCII lower-cases and turns U-labels into A-labels; '' means invalid.
  const ascii = domainToASCII(d);
  if (ascii === '') return undefined;
  // Single-label domains (localhost, a LAN name) pass: they are just never local unless configured.
  return ascii.split('.').every((l) => LABEL.test(l)) ? ascii : undefined;
}
