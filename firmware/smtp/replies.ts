// The one place where SMTP refusals are made. Catalogue errors, filter
// verdicts and delivery results all become an Error with `responseCode` that
// smtp-server writes as "<code> <enhanced> <text>". The enhanced code goes at
// the start of the text, and wire.ts sends such a text as it is instead of
// letting smtp-server guess a code from the basic one.

import { type ReplyError, toReplyError } from '../errors.ts';
import type { Verdict } from '../filters/verdict.ts';

/** A reply smtp-server can send: an Error whose message is "enhanced text". */
export interface SmtpReplyError extends Error {
  responseCode: number;
  /** The enhanced code alone, for logs and tests. */
  enhanced: string;
}

export interface Reply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

export function smtpError(reply: Reply): SmtpReplyError {
  const err = new Error(`${reply.enhanced} ${reply.text}`) as SmtpReplyError;
  err.responseCode = reply.code;
  err.enhanced = reply.enhanced;
  return err;
}

/** Any thrown value or ReplyError as a reply; the unexpected become 451 4.3.0. */
export function fromError(err: unknown): SmtpReplyError {
  const r: ReplyError = isReplyError(err) ? err : toReplyError(err);
  return smtpError({ code: r.smtp, enhanced: r.enhanced, text: r.text });
}

/** A refusing verdict as a reply; undefined for accept. */
export function fromVerdict(verdict: Verdict): SmtpReplyError | undefined {
  if (verdict.kind === 'accept') return undefined;
  return smtpError(verdict);
}

function isReplyError(err: unknown): err is ReplyError {
  return typeof err === 'object' && err !== null && 'smtp' in err && 'enhanced' in err && 'temporary' in err;
}

/** A success text carrying its own enhanced code. */
export function ok(enhanced: string, text: string): string {
  return `${enhanced} ${text}`;
}

// The policy replies, so texts and codes stay the same everywhere.
export const REPLIES = {
  relayDenied: { code: 554, enhanced: '5.7.1', text: 'Relay access denied' },
  senderNotOwned: { code: 553, enhanced: '5.7.1', text: 'Sender address not owned by the authenticated user' },
  nullSenderNotAllowed: { code: 553, enhanced: '5.7.1', text: 'Null sender not allowed on submission' },
  authRequired: { code: 530, enhanced: '5.7.0', text: 'Authentication required' },
  authNeedsTls: { code: 538, enhanced: '5.7.11', text: 'Encryption required for requested authentication mechanism' },
  authFailed: { code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' },
  authThrottled: { code: 454, enhanced: '4.7.0', text: 'Too many failed attempts, try later' },
  messageTooBig: { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' },
  tooManyRecipients: { code: 452, enhanced: '4.5.3', text: 'Too many recipients' },
  tooManyConnectionsFromIp: { code: 421, enhanced: '4.7.0', text: 'Too many connections from your address, try later' },
  tooBusy: { code: 421, enhanced: '4.3.2', text: 'Too many connections, try later' },
  rateLimited: { code: 451, enhanced: '4.7.1', text: 'Too many messages from your address, try later' },
  harvestDrop: { code: 421, enhanced: '4.7.1', text: 'Too many unknown recipients, closing connection' },
  shuttingDown: { code: 421, enhanced: '4.3.2', text: 'Service shutting down' },
  noRecipients: { code: 503, enhanced: '5.5.1', text: 'No valid recipients' },
} as const satisfies Record<string, Reply>;

/** 554 5.7.1 for a client on a blocklist, naming the zone and where to look it up. */
export function dnsblListed(ip: string, zone: string): Reply {
  return { code: 554, enhanced: '5.7.1', text: `Service unavailable; client [${ip}] blocked using ${zone}; see ${lookupLink(zone, ip)}` };
}

// The operators' own lookup pages, where a listed sender learns why and how to delist.
function lookupLink(zone: string, ip: string): string {
  if (zone.endsWith('spamhaus.org')) return `https://check.spamhaus.org/results/?query=${ip}`;
  if (zone.endsWith('spamcop.net')) return `https://www.spamcop.net/bl.shtml?${ip}`;
  if (zone.endsWith('barracudacentral.org')) return `https://www.barracudacentral.org/lookups/lookup-reputation`;
  return `https://multirbl.valli.org/lookup/${ip}.html`;
}
