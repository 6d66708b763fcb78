// IMAP flags as the store keeps them: system flags in their canonical spelling,
// keywords as given, no duplicates (compared case-insensitively, RFC 3501).

const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
const BY_LOWER = new Map(SYSTEM_FLAGS.map((flag) => [flag.toLowerCase(), flag]));
// atom characters minus the IMAP specials; keywords with these cannot be sent back
const KEYWORD = /^[^\s(){%*"\\\]\p{Cc}]+$/u;

export const SEEN = '\\Seen';

/** Canonical, deduplicated flags; \Recent (session-only) and unknown system flags are dropped. */
export function normalizeFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    const canonical = flag.startsWith('\\') ? BY_LOWER.get(lower) : KEYWORD.test(flag) ? flag : undefined;
    if (canonical === undefined || seen.has(lower)) continue;
    seen.add(lower);
    out.push(canonical);
  }
  return out;
}

export function applyFlagOperation(current: readonly string[], op: 'add' | 'remove' | 'replace', flags: readonly string[]): string[] {
  if (op === 'replace') return normalizeFlags(flags);
  if (op === 'add') return normalizeFlags([...current, ...flags]);
  const drop = new Set(flags.map((flag) => flag.toLowerCase()));
  return current.filter((flag) => !drop.has(flag.toLowerCase()));
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const lower = new Set(a.map((flag) => flag.toLowerCase()));
  return b.every((flag) => lower.has(flag.toLowerCase()));
}

export function isSeen(flags: readonly string[]): boolean {
  return flags.includes(SEEN);
}
