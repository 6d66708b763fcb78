// What one delivery attempt says about one recipient, and how an SMTP reply
// maps onto it. Kept pure: the DSN, the queue bookkeeping and the tests all
// read replies through these functions.

export type Outcome = 'delivered' | 'temporary' | 'permanent';

export interface RecipientResult {
  readonly address: string;
  readonly outcome: Outcome;
  /** RFC 3463 enhanced status for the DSN's Status field, e.g. "5.1.1". */
  readonly status: string;
  /** The remote reply on one line ("550 5.1.1 No such user"), or our own diagnostic in the same form. */
  readonly reply: string;
  /** The host that gave the reply (MX name or smarthost), for the DSN's Remote-MTA. */
  readonly remoteMta?: string;
}

export interface ParsedReply {
  readonly code?: number;
  readonly enhanced?: string;
  readonly text: string;
}

const REPLY_RE = /^([2-5]\d\d)[ -]?(?:([245]\.\d{1,3}\.\d{1,3})\b)?\s*(.*)$/s;

/** Fold a (possibly multi-line) reply onto one line: DSN fields and logs cannot carry line breaks. */
export function oneLine(reply: string): string {
  return reply
    .replace(/\r?\n[2-5]\d\d[ -]/g, ' ')
    .replace(/[\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Split "550 5.1.1 text" into its parts; anything unparseable is just text. */
export function parseReply(reply: string): ParsedReply {
  const m = REPLY_RE.exec(oneLine(reply));
  if (!m) return { text: oneLine(reply) };
  const code = Number(m[1]);
  const enhanced = m[2];
  if (enhanced !== undefined && enhanced[0] === m[1]?.[0]) return { code, enhanced, text: m[3] ?? '' };
  // An enhanced code of the wrong class is not trusted, but stays part of the text.
  return { code, text: [enhanced, m[3]].filter((s) => s !== undefined && s !== '').join(' ') };
}

/** RFC 5321: 2yz done, 4yz try again later, 5yz never again; anything else is treated as temporary. */
export function outcomeOfCode(code: number | undefined): Outcome {
  if (code === undefined) return 'temporary';
  if (code >= 200 && code < 300) return 'delivered';
  if (code >= 500 && code < 600) return 'permanent';
  return 'temporary';
}

/** The enhanced status of a reply, derived from the basic code when the server gave none. */
export function statusOfReply(reply: string, outcome: Outcome = outcomeOfCode(parseReply(reply).code)): string {
  const parsed = parseReply(reply);
  if (parsed.enhanced !== undefined) return parsed.enhanced;
  if (outcome === 'delivered') return '2.0.0';
  if (outcome === 'permanent') return '5.0.0';
  return '4.0.0';
}

/** A result for `address` from a remote reply. */
export function resultFromReply(address: string, reply: string, remoteMta?: string): RecipientResult {
  const line = oneLine(reply);
  const outcome = outcomeOfCode(parseReply(line).code);
  const base = { address, outcome, status: statusOfReply(line, outcome), reply: line };
  return remoteMta === undefined ? base : { ...base, remoteMta };
}

/** A result that we decide ourselves (DNS answer, connection failure, expiry), written like a reply. */
export function localResult(
  address: string,
  outcome: Exclude<Outcome, 'delivered'>,
  code: number,
  status: string,
  text: string,
): RecipientResult {
  return { address, outcome, status, reply: `${code} ${status} ${oneLine(text)}` };
}

/** The domain part of an address, lower-cased (the part after the last '@'). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
