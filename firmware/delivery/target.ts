// The DeliveryTarget seam: where accepted mail goes. SMTP (inbound and
// submission) speaks only to this interface, so it does not care whether a
// recipient is a local mailbox or a remote address waiting in the outbound
// queue. A delivery is a transaction: start, add recipients, body, then commit
// or abort. Everything that can be refused is refused before commit (at
// addRecipient), so commit only fails on storage trouble, which is temporary.

import type { ReplyError } from '../errors.ts';

/** Who handed us the message: what the Received header and the logs record. */
export interface ClientInfo {
  /** Connection id, the same one the SMTP log lines carry. */
  readonly sessionId: string;
  /** Name of the listener that took the message ('smtp', 'submission', 'smtps', or 'local' for internal mail). */
  readonly listener: string;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  /** Reverse DNS name of the client, when known. */
  readonly remoteHostname?: string;
  /** Name the client gave in HELO/EHLO. */
  readonly helo?: string;
  /** True when the session ran over TLS (STARTTLS or implicit). */
  readonly secure: boolean;
  /** TLS protocol and cipher names, for the Received header. */
  readonly tlsProtocol?: string;
  readonly tlsCipher?: string;
  /** The client used EHLO (ESMTP) rather than HELO. */
  readonly esmtp: boolean;
}

/** The authenticated submitter, when the session did AUTH. */
export interface AuthUser {
  readonly accountId: string;
  readonly address: string;
}

export interface Envelope {
  /** MAIL FROM address, lower-cased; '' for the null sender (bounces). */
  readonly from: string;
  readonly client: ClientInfo;
  readonly authUser?: AuthUser;
  /**
   * The session may send to non-local recipients (it authenticated or comes
   * from a trusted network). Without it a router refuses them (554 5.7.1);
   * remote targets of a local alias are forwarded either way.
   */
  readonly mayRelay: boolean;
  /** SIZE= of MAIL FROM (RFC 1870), when the client declared one: a target may refuse a recipient it would not fit. */
  readonly declaredSize?: number;
  /** A unique id for this message (logs, queue meta, the Received "id" clause). */
  readonly messageId: string;
}

/** What the SMTP layer learnt about the message before handing it over. */
export interface MessageInfo {
  /**
   * Sum of the weights of failing filter verdicts (SPF/DKIM/DMARC, DNSBL below
   * the reject threshold...); 0 or absent = clean. Local delivery files the
   * message into Junk for an account whose junkThreshold is > 0 and below it.
   */
  readonly score?: number;
}

export type RecipientResult =
  | {
      readonly ok: true;
      /**
       * Remote addresses this recipient expands to (a local alias forwarding
       * off-box) that this target does not deliver itself; a router hands them
       * to the outbound target. Absent or empty when the target serves it all.
       */
      readonly forward?: readonly string[];
    }
  | { readonly ok: false; readonly error: ReplyError };

export type CommitResult =
  | {
      readonly ok: true;
      /** Store ids of what was written (blob id for local mail, queue item id for outbound). */
      readonly ids: readonly string[];
      /**
       * Recipients that were accepted at RCPT but could not be served at commit
       * (e.g. a mailbox filled up in between); the rest are safely stored.
       */
      readonly failed: ReadonlyArray<{ readonly address: string; readonly error: ReplyError }>;
    }
  | { readonly ok: false; readonly error: ReplyError };

export interface DeliveryTransaction {
  /**
   * Add one envelope recipient (already normalised, lower-case). Does every
   * check that can refuse the recipient (existence, quota, routing) and
   * answers accept or a ReplyError (unknown user 550 5.1.1, over quota
   * 452 4.2.2, relay not possible 554 5.7.1). Never throws for an expected
   * refusal; an unexpected failure resolves to a temporary error. Adding the
   * same recipient twice is accepted and delivers once.
   */
  addRecipient(address: string): Promise<RecipientResult>;

  /**
   * Hand over the complete message as received (CRLF line ends, headers the
   * SMTP layer added such as Authentication-Results already prepended). The
   * target prepends its own Received trace header. Called at most once, after
   * at least one accepted recipient; the target keeps a reference, the caller
   * must not mutate the bytes afterwards.
   */
  body(message: Uint8Array, info?: MessageInfo): void;

  /**
   * Make the delivery durable. When it resolves ok, the message is on stable
   * storage for every recipient not listed in `failed` and the caller may say
   * 250. It never rejects: storage trouble resolves to { ok: false } with a
   * temporary error (4xx) and leaves nothing half-written.
   */
  commit(): Promise<CommitResult>;

  /** Drop the transaction (client sent RSET, QUIT, or the data was refused). Idempotent; safe after commit. */
  abort(): void;
}

export interface DeliveryTarget {
  /** Begin one message transaction for an envelope sender. Cheap and synchronous; nothing is written yet. */
  start(envelope: Envelope): DeliveryTransaction;
}
