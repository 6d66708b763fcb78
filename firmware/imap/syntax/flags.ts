// Message flags: the five settable system flags in their canonical case, and
// keywords (atoms). \Recent is server-owned and never accepted from a client.

import { ImapSyntaxError } from '../parser.ts';
import type { ArgReader } from './args.ts';

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;
const CANONICAL = new Map(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));
/** ATOM-CHAR minus `]` (keywords may not contain resp-specials). */
const KEYWORD = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

/** One flag from the wire, canonicalized; throws on \Recent, unknown system flags and bad keywords. */
export function parseFlag(text: string): string {
  if (text.startsWith('\\')) {
    const canonical = CANONICAL.get(text.toUpperCase());
    if (canonical === undefined) throw new ImapSyntaxError('Invalid flag');
    return canonical;
  }
  if (!KEYWORD.test(text) || text.length > 128) throw new ImapSyntaxError('Invalid flag');
  return text;
}

/** A parenthesized flag list, deduplicated (case-insensitively, keeping the first spelling). */
export function readFlagList(args: ArgReader): string[] {
  return readFlags(args.list('flag list'));
}

/** Flags until the reader is exhausted. */
export function readFlags(items: ArgReader): string[] {
  const seen = new Set<string>();
  const flags: string[] = [];
  while (!items.done) {
    const flag = parseFlag(items.atom('flag'));
    const key = flag.toUpperCase();
    if (seen.has(key)) continue;
    seen.add(key);
    flags.push(flag);
  }
  return flags;
}
