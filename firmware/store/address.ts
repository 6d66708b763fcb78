// Mail address and domain rules for everything the store keeps. Addresses are
// stored lower-cased (local part too: lookups are case-insensitive, as every
// office user expects), domains in their ASCII (IDNA) form.
import { domainToASCII } from 'node:url';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// dot-atom text without '%' and '!' (old source-routing hacks) and without quotes;
// letters beyond ASCII are allowed for SMTPUTF8 local parts.
const LOCAL_ATOM = /^[\p{L}\p{N}#$&'*+/=?^_`{|}~-]+$/u;

function asciiDomain(domain: string): string {
  const lower = domain.trim().toLowerCase().replace(/\.$/, '');
  if (/^\p{ASCII}*$/u.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}

/** Lower-case and trim an address (or a `@domain` catch-all); the domain becomes ASCII (IDNA). */
export function normalizeAddress(s: string): string {
  const trimmed = s.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed.toLowerCase();
  return `${trimmed.slice(0, at).toLowerCase()}@${asciiDomain(trimmed.slice(at + 1))}`;
}

/** A host name with at least two labels, each 1-63 letters, digits or inner hyphens, not an IP literal. */
export function isValidDomain(s: string): boolean {
  const domain = asciiDomain(s);
  if (domain.length === 0 || domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}

/** `local@domain` with a dot-atom local part: no quotes, no route syntax, no '%', '!' or second '@'. */
export function isValidAddress(s: string): boolean {
  const address = s.trim();
  if (address.length > 254 || address.startsWith('@')) return false;
  const at = address.indexOf('@');
  if (at < 1 || at !== address.lastIndexOf('@')) return false;
  const local = address.slice(0, at);
  if (local.length > 64) return false;
  if (!local.split('.').every((atom) => LOCAL_ATOM.test(atom))) return false;
  return isValidDomain(address.slice(at + 1));
}

/** `@domain`: the catch-all form used by aliases. */
export function isCatchAll(s: string): boolean {
  const trimmed = s.trim();
  return trimmed.startsWith('@') && trimmed.indexOf('@', 1) < 0 && isValidDomain(trimmed.slice(1));
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

export function localPartOf(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}
