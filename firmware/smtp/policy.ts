// The knobs and dependencies of an SMTP listener. Settings an admin changes
// live in config/settings.ts; the few tuning values here (harvest and login
// throttling windows) are code defaults that tests shrink.

import type { SecureContext } from 'node:tls';
import type { Settings } from '../config/settings.ts';
import type { DeliveryTarget } from '../delivery/target.ts';
import type { Verdict } from '../filters/verdict.ts';
import type { MailStore } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';
import type { Reply } from './replies.ts';
import type { SettingsCache } from './settings-cache.ts';

/** Which listener: inbound MX, submission with STARTTLS, or submission over implicit TLS. */
export type SmtpMode = 'smtp' | 'submission' | 'smtps';

export interface SmtpTuning {
  /** Unknown recipients from one IP (within harvestWindowMs) before each further one is answered slowly. */
  readonly harvestSlowAfter: number;
  /** Unknown recipients from one IP (within harvestWindowMs) after which the session is dropped with 421. */
  readonly harvestDropAfter: number;
  /** Delay added per unknown recipient past harvestSlowAfter, capped at harvestMaxDelayMs. */
  readonly harvestDelayMs: number;
  readonly harvestMaxDelayMs: number;
  readonly harvestWindowMs: number;
  /** Failed logins per account within authWindowMs before logins to it are refused for a while. */
  readonly authFailuresPerAccount: number;
  readonly authWindowMs: number;
  /** Idle time before a client is disconnected. */
  readonly socketTimeoutMs: number;
}

export const DEFAULT_TUNING: SmtpTuning = {
  harvestSlowAfter: 3,
  harvestDropAfter: 10,
  harvestDelayMs: 1000,
  harvestMaxDelayMs: 10_000,
  harvestWindowMs: 10 * 60_000,
  authFailuresPerAccount: 10,
  authWindowMs: 15 * 60_000,
  socketTimeoutMs: 5 * 60_000,
};

/** What a blocklist check says about a client. */
export interface DnsblOutcome {
  readonly listed: boolean;
  /** The zone that tipped it, for the reply and the log. */
  readonly zone?: string;
  readonly score: number;
  /** The refusal to send (554 5.7.1 naming the zones and lookup links); a generic one when absent. */
  readonly reply?: Reply;
}

export interface MessageAuthInput {
  readonly message: Uint8Array;
  readonly ip: string;
  readonly helo: string;
  readonly mailFrom: string;
  /** Our name, the authserv-id of the Authentication-Results header. */
  readonly hostname: string;
}

/** SPF/DKIM/DMARC outcome of an inbound message. */
export interface MessageAuthOutcome {
  /** The complete Authentication-Results header field(s), CRLF-terminated, to prepend. */
  readonly header: string;
  /** accept, or the refusal when DMARC fails under p=reject and dmarc.enforceReject is on. */
  readonly verdict: Verdict;
  /** Suspicion score added to the message for the Junk rule. */
  readonly score: number;
}

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** The current context, when the files are followed for replacement. */
  readonly context?: () => SecureContext;
}

export interface SmtpServerDeps {
  readonly mode: SmtpMode;
  readonly store: MailStore;
  readonly settings: SettingsCache;
  /** Where accepted mail goes (the router over local mailboxes and the outbound queue). */
  readonly target: DeliveryTarget;
  readonly hostname: string;
  readonly log: Logger;
  /** Dev mode: plaintext AUTH is allowed from loopback. */
  readonly dev: boolean;
  readonly now: () => number;
  readonly tls?: TlsMaterial;
  /** Check a password against a stored hash (the store's scrypt verifier). */
  readonly verifyPassword: (password: string, hash: string) => Promise<boolean>;
  readonly dnsbl?: (ip: string, settings: Settings) => Promise<DnsblOutcome>;
  readonly authenticate?: (input: MessageAuthInput, settings: Settings) => Promise<MessageAuthOutcome>;
  /** Reverse DNS of the client, for the Received header and host-name allow lists. */
  readonly reverseLookup?: (ip: string) => Promise<string | undefined>;
  /** How the harvest slow-down waits; tests record instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly tuning?: Partial<SmtpTuning>;
  /** The dashboard's mail counters: a message accepted, a client refused by DNSBL, a message refused by SPF/DMARC. */
  readonly count?: (kind: 'in' | 'rejectedDnsbl' | 'rejectedAuth') => void;
}
