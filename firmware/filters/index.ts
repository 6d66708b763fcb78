// Public face of the filters room: what the SMTP listeners import.

export {
  type AddressCheck,
  type AddressProblem,
  checkRecipientAddress,
  checkSenderAddress,
  normaliseAddress,
  type RoutingTrick,
} from './address-policy.ts';
export {
  AUTH_SCORES,
  type AuthCheckInput,
  type AuthCheckOptions,
  type AuthVerdicts,
  checkAuthentication,
  type DkimResult,
  type DkimSignatureVerdict,
  type DmarcPolicy,
  type DmarcResult,
  type SpfResult,
} from './auth-results.ts';
export {
  DnsblChecker,
  type DnsblDeps,
  type DnsblListing,
  type DnsblResult,
  type DnsblSkip,
  type DnsblStats,
  type ProbeOutcome,
  type ScheduleEvery,
  type SkipReason,
  type ZoneStats,
} from './dnsbl.ts';
export {
  DEFAULT_DNSBL_THRESHOLD,
  DEFAULT_DNSBL_TIMEOUT_MS,
  DEFAULT_DNSBL_ZONES,
  type DnsblConfig,
  type DnsblOptions,
  type DnsblZoneOptions,
  normalizeDnsblOptions,
} from './dnsbl-zones.ts';
export {
  ACCEPT,
  accept,
  disconnect,
  isAccept,
  type Reply,
  reject,
  replyLine,
  type ScoredResult,
  tempfail,
  totalScore,
  type Verdict,
  type VerdictKind,
  verdictFromError,
  worst,
} from './verdict.ts';
