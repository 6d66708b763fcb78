// What a filter decides, as a closed union (Haraka's CONT/DENY/DENYSOFT/
// DENYDISCONNECT vocabulary, typed). The SMTP layer turns a verdict into a reply
// in one place; filters never write to the socket themselves.

import { toReplyError } from '../errors.ts';

export interface Reply {
  /** SMTP basic status code. */
  readonly code: number;
  /** RFC 3463 enhanced status code. */
  readonly enhanced: string;
  /** Text for the client; one line, no CR/LF. */
  readonly text: string;
}

export type Verdict =
  | { readonly kind: 'accept' }
  /** Permanent refusal (5xx); the session continues. */
  | ({ readonly kind: 'reject' } & Reply)
  /** Temporary refusal (4xx); the client should retry later. */
  | ({ readonly kind: 'tempfail' } & Reply)
  /** Reply, then close the connection (421 or 554). */
  | ({ readonly kind: 'disconnect' } & Reply);

export type VerdictKind = Verdict['kind'];

export const ACCEPT: Verdict = Object.freeze({ kind: 'accept' });

export function accept(): Verdict {
  return ACCEPT;
}

export function reject(text: string, code = 550, enhanced = '5.7.1'): Verdict {
  checkClass(code, enhanced, 5);
  return { kind: 'reject', code, enhanced, text: oneLine(text) };
}

export function tempfail(text: string, code = 451, enhanced = '4.7.1'): Verdict {
  checkClass(code, enhanced, 4);
  return { kind: 'tempfail', code, enhanced, text: oneLine(text) };
}

export function disconnect(text: string, code = 421, enhanced = '4.7.0'): Verdict {
  if (code !== 421 && code !== 554) throw new RangeError(`disconnect needs 421 or 554, got ${code}`);
  checkClass(code, enhanced, code === 421 ? 4 : 5);
  return { kind: 'disconnect', code, enhanced, text: oneLine(text) };
}

/** A thrown value as a verdict: catalogue errors keep their reply, anything unknown is a tempfail. */
export function verdictFromError(err: unknown): Verdict {
  const r = toReplyError(err);
  return r.temporary
    ? { kind: 'tempfail', code: r.smtp, enhanced: r.enhanced, text: r.text }
    : { kind: 'reject', code: r.smtp, enhanced: r.enhanced, text: r.text };
}

export function isAccept(v: Verdict): v is { readonly kind: 'accept' } {
  return v.kind === 'accept';
}

/** The reply line of a refusing verdict, e.g. "554 5.7.1 text"; undefined for accept. */
export function replyLine(v: Verdict): string | undefined {
  if (v.kind === 'accept') return undefined;
  return `${v.code} ${v.enhanced} ${v.text}`;
}

/**
 * The harshest of several verdicts: disconnect > reject > tempfail > accept.
 * Among equals the first wins, so the order filters ran in decides the text.
 */
export function worst(verdicts: readonly Verdict[]): Verdict {
  const rank: Record<VerdictKind, number> = { accept: 0, tempfail: 1, reject: 2, disconnect: 3 };
  let out: Verdict = ACCEPT;
  for (const v of verdicts) if (rank[v.kind] > rank[out.kind]) out = v;
  return out;
}

/**
 * What a scoring filter reports (DNSBL, SPF/DKIM/DMARC): its verdict and a score
 * the per-user Junk rule compares with the account's junkThreshold. A positive
 * score is suspicion; 0 is neutral.
 */
export interface ScoredResult {
  readonly filter: string;
  readonly verdict: Verdict;
  readonly score: number;
  /** Short human reasons, for the log and an X- header. */
  readonly reasons: readonly string[];
}

/** Total score of several results (what the Junk rule compares). */
export function totalScore(results: readonly ScoredResult[]): number {
  return results.reduce((sum, r) => sum + r.score, 0);
}

function checkClass(code: number, enhanced: string, cls: 4 | 5): void {
  if (Math.floor(code / 100) !== cls || !Number.isInteger(code)) throw new RangeError(`status ${code} is not ${cls}xx`);
  if (!new RegExp(`^${cls}\\.\\d{1,3}\\.\\d{1,3}$`).test(enhanced)) throw new RangeError(`enhanced status ${enhanced} is not ${cls}.x.y`);
}

// A CR or LF in reply text would let a listing's TXT reason inject protocol lines.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}
