// SPF, DKIM and DMARC for an inbound message, with mailauth doing the protocol
// work over our Resolver. What comes back is plain data: the verdict of each
// check, the header lines to prepend (Received-SPF, Authentication-Results), the
// DMARC policy, a filter verdict (reject only when the author domain asks for it
// and the setting honours it) and a score for the per-user Junk rule.
// A DNS failure gives temperror and never a refusal: a wrong guess is worse
// than no guess.

import type { Readable } from 'node:stream';
import { authenticate, type DNSResolver } from 'mailauth';
import { mailauthResolver, type Resolver } from '../net/resolver.ts';
import { ACCEPT, reject, type ScoredResult, type Verdict } from './verdict.ts';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';
export type DkimResult = 'pass' | 'fail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DkimSignatureVerdict {
  readonly result: DkimResult;
  readonly domain?: string;
  readonly selector?: string;
  /** The signing domain when it aligns with the From domain (DMARC), else undefined. */
  readonly aligned?: string;
  readonly comment?: string;
}

export interface AuthVerdicts {
  readonly spf: { readonly result: SpfResult; readonly domain?: string; readonly comment?: string };
  /** One entry per DKIM-Signature; empty when the message is unsigned. */
  readonly dkim: readonly DkimSignatureVerdict[];
  /** The best DKIM result: pass if any signature passes, none if unsigned. */
  readonly dkimSummary: DkimResult;
  readonly dmarc: {
    readonly result: DmarcResult;
    /** The author (From) domain. */
    readonly domain?: string;
    /** The policy the author domain publishes for this message; undefined without a record. */
    readonly policy?: DmarcPolicy;
  };
  /** Header lines to prepend, each ending in CRLF: Received-SPF then Authentication-Results. */
  readonly headers: string;
  /** The Authentication-Results field alone (folded, without trailing CRLF). */
  readonly authenticationResults: string;
  /** reject 550 5.7.1 when DMARC fails under p=reject and the setting honours it; else accept. */
  readonly verdict: Verdict;
  /** For the Junk rule; see AUTH_SCORES. */
  readonly scored: ScoredResult;
}

export interface AuthCheckInput {
  /** The message as received (headers and body, CRLF). */
  readonly message: Buffer | Readable;
  /** The connecting client's address. */
  readonly ip: string;
  /** EHLO/HELO name; the address literal is used when absent. */
  readonly helo?: string;
  /** MAIL FROM; '' for the null sender (SPF then checks the HELO name). */
  readonly sender: string;
}

export interface AuthCheckOptions {
  readonly resolver: Resolver;
  /** This server's name: the authserv-id of Authentication-Results. */
  readonly hostname: string;
  /** Refuse a message failing DMARC when its domain publishes p=reject (setting). */
  readonly honourDmarcReject: boolean;
  /** Shortest RSA key accepted for DKIM; default 1024 (RFC 8301). */
  readonly minBitLength?: number;
}

/**
 * What each failure adds to the Junk score. DMARC counts most: it is the author
 * domain itself saying the mail is not theirs; quarantine asks for the Junk folder.
 */
export const AUTH_SCORES = Object.freeze({
  spfFail: 2,
  spfSoftfail: 1,
  dkimFail: 1,
  dmarcFail: 3,
  dmarcQuarantine: 5,
  dmarcReject: 5,
});

const SPF_RESULTS = new Set<string>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);
const DKIM_RESULTS = new Set<string>(['pass', 'fail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);
const DMARC_RESULTS = new Set<string>(['pass', 'fail', 'none', 'temperror', 'permerror']);
const POLICIES = new Set<string>(['none', 'quarantine', 'reject']);

/** Verify SPF, DKIM and DMARC (ARC is verified and reported too; BIMI is off: it fetches over HTTPS). */
export async function checkAuthentication(input: AuthCheckInput, options: AuthCheckOptions): Promise<AuthVerdicts> {
  // mailauth's resolver type claims string arrays only, but it reads MX answers as
  // {exchange, priority}, the dns.promises.resolve shape our adapter returns.
  const resolver = mailauthResolver(options.resolver) as DNSResolver;
  const res = await authenticate(input.message, {
    ip: input.ip,
    ...(input.helo === undefined ? {} : { helo: input.helo }),
    sender: input.sender,
    mta: options.hostname,
    resolver,
    minBitLength: options.minBitLength ?? 1024,
    disableBimi: true,
    trustReceived: false,
  });

  const spfStatus = res.spf === false ? 'none' : res.spf.status.result;
  const spf = {
    result: (SPF_RESULTS.has(spfStatus) ? spfStatus : 'permerror') as SpfResult,
    ...(res.spf !== false && res.spf.domain ? { domain: res.spf.domain } : {}),
    ...(res.spf !== false && res.spf.status.comment ? { comment: res.spf.status.comment } : {}),
  };

  const dkim: DkimSignatureVerdict[] = (res.dkim.results ?? []).map((r) => {
    const result = (DKIM_RESULTS.has(r.status.result) ? r.status.result : 'permerror') as DkimResult;
    const aligned = (r.status as { aligned?: unknown }).aligned;
    return {
      result,
      ...(r.signingDomain ? { domain: r.signingDomain } : {}),
      ...(r.selector ? { selector: r.selector } : {}),
      ...(typeof aligned === 'string' && aligned !== '' ? { aligned } : {}),
      ...(r.status.comment ? { comment: r.status.comment } : {}),
    };
  });
  const dkimSummary: DkimResult = summariseDkim(dkim);

  const dmarcRaw = res.dmarc;
  const dmarcStatus = dmarcRaw === false ? 'none' : dmarcRaw.status.result;
  const policy = dmarcRaw !== false && POLICIES.has(dmarcRaw.policy) ? (dmarcRaw.policy as DmarcPolicy) : undefined;
  const fromDomain = dmarcRaw === false ? undefined : (dmarcRaw.status.header?.from ?? dmarcRaw.domain);
  const dmarc = {
    result: (DMARC_RESULTS.has(dmarcStatus) ? dmarcStatus : 'permerror') as DmarcResult,
    ...(fromDomain ? { domain: fromDomain } : {}),
    ...(policy === undefined ? {} : { policy }),
  };

  const { score, reasons } = scoreOf(spf.result, dkimSummary, dmarc.result, policy);
  const verdict =
    options.honourDmarcReject && dmarc.result === 'fail' && policy === 'reject'
      ? reject(`Message rejected: DMARC policy of ${fromDomain ?? 'the sender domain'} says reject`, 550, '5.7.1')
      : ACCEPT;

  return {
    spf,
    dkim,
    dkimSummary,
    dmarc,
    headers: res.headers,
    authenticationResults: authResultsField(res.headers),
    verdict,
    scored: { filter: 'auth', verdict, score, reasons },
  };
}

function summariseDkim(sigs: readonly DkimSignatureVerdict[]): DkimResult {
  if (sigs.length === 0) return 'none';
  const order: DkimResult[] = ['pass', 'fail', 'policy', 'permerror', 'temperror', 'neutral', 'none'];
  for (const r of order) if (sigs.some((s) => s.result === r)) return r;
  return 'none';
}

function scoreOf(
  spf: SpfResult,
  dkim: DkimResult,
  dmarc: DmarcResult,
  policy: DmarcPolicy | undefined,
): { score: number; reasons: string[] } {
  let score = 0;
  const reasons: string[] = [];
  if (spf === 'fail') {
    score += AUTH_SCORES.spfFail;
    reasons.push('spf=fail');
  } else if (spf === 'softfail') {
    score += AUTH_SCORES.spfSoftfail;
    reasons.push('spf=softfail');
  }
  if (dkim === 'fail') {
    score += AUTH_SCORES.dkimFail;
    reasons.push('dkim=fail');
  }
  if (dmarc === 'fail') {
    const extra =
      policy === 'quarantine' ? AUTH_SCORES.dmarcQuarantine : policy === 'reject' ? AUTH_SCORES.dmarcReject : AUTH_SCORES.dmarcFail;
    score += extra;
    reasons.push(`dmarc=fail (p=${policy ?? 'none'})`);
  }
  return { score, reasons };
}

// The Authentication-Results field out of the header block, with its folded lines.
function authResultsField(headers: string): string {
  const lines = headers.split('\r\n');
  const start = lines.findIndex((l) => /^authentication-results:/i.test(l));
  if (start < 0) return '';
  let end = start + 1;
  while (end < lines.length && /^[ \t]/.test(lines[end] ?? '')) end++;
  return lines.slice(start, end).join('\r\n');
}
