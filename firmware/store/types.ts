// The MailStore seam: the only way anything touches mail data. Every value that
// crosses it is plain data (structured-cloneable), because listener threads reach
// the store through a proxy over a MessagePort. A missing item is `undefined`,
// never an error; expected failures are PochtaError with a code from errors.ts.

export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export interface Domain {
  readonly name: string; // lower-case ASCII (IDNA) domain
  readonly createdAt: number; // ms since epoch
  /** DKIM selector and key for outbound signing; generated when the domain is added. */
  readonly dkim?: { readonly selector: string; readonly privateKeyPem: string; readonly publicKeyBase64: string };
}

export interface Account {
  readonly id: string;
  readonly address: string; // lower-case local@domain
  readonly displayName: string;
  /** scrypt hash in PHC-like form, never logged, never sent to a listener except for verification. */
  readonly passwordHash: string;
  readonly quotaBytes: number; // 0 = unlimited
  readonly usedBytes: number; // exact sum of message sizes in all its mailboxes
  readonly enabled: boolean;
  readonly createdAt: number;
  /** Move messages with a failing filter verdict above this score to Junk (0 = off). */
  readonly junkThreshold?: number;
}

export interface NewAccount {
  readonly address: string;
  readonly displayName?: string;
  readonly passwordHash: string;
  readonly quotaBytes?: number;
  readonly enabled?: boolean;
}

export type AccountPatch = Partial<Pick<Account, 'displayName' | 'passwordHash' | 'quotaBytes' | 'enabled' | 'junkThreshold'>>;

/** `local@domain`, or `@domain` for a catch-all. Targets are addresses (local accounts or remote). */
export interface Alias {
  readonly address: string;
  readonly targets: readonly string[];
  readonly createdAt: number;
}

/** Where a recipient address ends up after alias and catch-all expansion. */
export interface ResolvedRecipient {
  readonly address: string;
  /** Local accounts that receive it (deduplicated). */
  readonly accountIds: readonly string[];
  /** Remote addresses an alias forwards to (go to the outbound queue). */
  readonly remote: readonly string[];
  /**
   * The accounts of accountIds as stored now, in the same order (one that
   * vanished meanwhile is left out): an RCPT check needs them (enabled,
   * quota), and over the worker bridge a second lookup is a second round trip.
   */
  readonly accounts?: readonly Account[];
}

export interface Mailbox {
  readonly id: string;
  readonly accountId: string;
  /** Full hierarchical name with '/' as delimiter; 'INBOX' is always upper-case. */
  readonly name: string;
  readonly specialUse?: SpecialUse;
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModseq: number;
  readonly messages: number;
  readonly unseen: number;
  /** Bytes of all messages in this mailbox. */
  readonly size: number;
  readonly subscribed: boolean;
  readonly createdAt: number;
}

export interface MessageMeta {
  readonly mailboxId: string;
  readonly uid: number;
  readonly blobId: string; // content address (sha256 hex) of the immutable body
  readonly size: number; // bytes of the body as stored (CRLF line ends)
  readonly internalDate: number; // ms since epoch
  readonly flags: readonly string[]; // system flags (\\Seen ...) and keywords
  readonly modseq: number;
}

/** What SELECT needs of a mailbox, compact: one typed array per column instead of a MessageMeta per message. */
export interface MailboxIndex {
  /** The mailbox as read after the listing (UIDNEXT: a message added meanwhile is not lost). */
  readonly mailbox: Mailbox;
  /** HIGHESTMODSEQ as read before the listing (a change during it is told again, never missed). */
  readonly highestModseq: number;
  /** UIDs in ascending order. */
  readonly uids: Uint32Array;
  /** modseqs[i]: the modseq of uids[i]. */
  readonly modseqs: Float64Array;
  /** Sequence number of the first message without \Seen, 0 when every message has it. */
  readonly firstUnseen: number;
  /** The distinct keywords (flags not starting with a backslash) of the listed messages, sorted. */
  readonly keywords: readonly string[];
}

/**
 * A mailbox's message records as columns (listMessageColumns): a few typed
 * arrays and strings instead of one object per message, for a listener that
 * keeps its own copy of a big mailbox's listing.
 */
export interface MessageColumns {
  /** The mailbox as read before the listing. */
  readonly mailbox: Mailbox;
  /** The mailbox record was the same after the listing: the columns are exactly that state. */
  readonly exact: boolean;
  /** UIDs in ascending order; the other columns follow them. */
  readonly uids: Uint32Array;
  readonly modseqs: Float64Array;
  readonly sizes: Float64Array;
  readonly internalDates: Float64Array;
  /** The messages' blob ids joined by '\n'. */
  readonly blobIds: string;
  /** The distinct flag lists; message i has flagSets[flagIndex[i]]. */
  readonly flagSets: ReadonlyArray<readonly string[]>;
  readonly flagIndex: Uint32Array;
}

/** What the MIME room computes once per body at delivery; kept beside the blob. */
export interface BodyInfo {
  /** Parsed structure (ENVELOPE, BODYSTRUCTURE, part offsets) as JSON; opaque to the store. */
  readonly structure?: unknown;
  /** Decoded text (headers and text parts) for the search index. */
  readonly text?: string;
  /**
   * The top-level header exactly as the structure delimits it (bytes [0,
   * headerEnd) of the body, blank line included), set by the analyzer when
   * short (16 KB); the store keeps it apart and returns it from getBodyHeads,
   * never from getBodyInfo.
   */
  readonly head?: Uint8Array;
}

/** Top-level headers of many bodies, packed: head i is bytes[offsets[i], offsets[i + 1]); empty when none is kept. */
export interface BodyHeads {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

/** What getBodyInfo reads besides the structure: the search text (default yes). */
export interface BodyInfoOptions {
  readonly text?: boolean;
}

export interface DeliveryRecipient {
  readonly accountId: string;
  /** Mailbox name; default INBOX. A missing mailbox falls back to INBOX. */
  readonly mailbox?: string;
  readonly flags?: readonly string[];
}

export interface Delivery {
  readonly recipients: readonly DeliveryRecipient[];
  readonly body: Uint8Array;
  readonly internalDate?: number;
  /**
   * The body's analysis, computed by the caller with the analyzer the store
   * was opened with (the MIME room's analyze) and the search signature of it
   * (signatureOf, store/helpers.ts). Used for a body the store does not know
   * yet instead of analyzing it on the store's thread, which every listener
   * shares; a listener thread has the time. Absent: the store analyzes.
   */
  readonly analysis?: BodyAnalysis;
}

/** A body's structure, text and head (BodyInfo) with its search index signature. */
export interface BodyAnalysis {
  readonly info: BodyInfo;
  readonly signature: string;
}

export interface DeliveredCopy {
  readonly accountId: string;
  readonly mailboxId: string;
  readonly uid: number;
}

export interface DeliveryResult {
  readonly blobId: string;
  readonly size: number;
  readonly copies: readonly DeliveredCopy[];
  /** Recipients refused because of quota; the rest were delivered. */
  readonly overQuota: readonly string[];
}

export type FlagOperation = 'add' | 'remove' | 'replace';

export interface FlagChange {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly modseq: number;
}

export interface FlagUpdateResult {
  readonly changed: readonly FlagChange[];
  /** UIDs that failed an UNCHANGEDSINCE test (CONDSTORE MODIFIED). */
  readonly modified: readonly number[];
}

export interface CopyResult {
  readonly uidValidity: number;
  /** Pairs [sourceUid, destinationUid] in source order (for UIDPLUS COPYUID). */
  readonly uidMap: ReadonlyArray<readonly [number, number]>;
}

export interface QueueRecipient {
  readonly address: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastError?: string;
  /** Remote reply that settled it, for DSNs. */
  readonly lastReply?: string;
}

export interface QueueItem {
  readonly id: string;
  readonly from: string; // envelope sender, '' for a bounce
  readonly recipients: readonly QueueRecipient[];
  readonly blobId: string;
  readonly size: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly attempts: number;
  readonly delayNotified?: boolean;
  /** Free-form metadata the queue runner keeps (authenticated user, DSN params). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface NewQueueItem {
  readonly from: string;
  readonly recipients: readonly string[];
  readonly body: Uint8Array;
  readonly nextAttemptAt?: number;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export type QueuePatch = Partial<Pick<QueueItem, 'recipients' | 'nextAttemptAt' | 'attempts' | 'delayNotified' | 'meta'>>;

export type StoreEvent =
  | {
      readonly type: 'message-added';
      readonly accountId: string;
      readonly mailboxId: string;
      readonly uid: number;
      readonly modseq: number;
    }
  | { readonly type: 'flags-changed'; readonly accountId: string; readonly mailboxId: string; readonly changes: readonly FlagChange[] }
  | {
      readonly type: 'expunged';
      readonly accountId: string;
      readonly mailboxId: string;
      readonly uids: readonly number[];
      readonly modseq: number;
    }
  | { readonly type: 'mailbox-created'; readonly accountId: string; readonly mailboxId: string; readonly name: string }
  | {
      readonly type: 'mailbox-renamed';
      readonly accountId: string;
      readonly mailboxId: string;
      readonly oldName: string;
      readonly name: string;
    }
  | { readonly type: 'mailbox-deleted'; readonly accountId: string; readonly mailboxId: string; readonly name: string }
  | { readonly type: 'account-changed'; readonly accountId: string }
  | { readonly type: 'settings-changed'; readonly keys: readonly string[] }
  | { readonly type: 'queue-changed'; readonly id: string };

export interface FsckProblem {
  readonly kind: string; // e.g. 'mailbox-count', 'blob-refcount', 'orphan-blob', 'quota-sum'
  readonly detail: string;
  readonly repaired: boolean;
}

export interface FsckReport {
  readonly problems: readonly FsckProblem[];
  readonly checked: { readonly accounts: number; readonly mailboxes: number; readonly messages: number; readonly blobs: number };
}

export interface StoreStats {
  readonly domains: number;
  readonly accounts: number;
  readonly messages: number;
  readonly blobs: number;
  readonly blobBytes: number;
  readonly queued: number;
}

/**
 * The mail store. Every mutating call is one atomic, durable change: when its
 * promise resolves the change is on stable storage (fsync'd); when it rejects,
 * nothing of it is visible. Concurrent calls share fsyncs (group commit).
 */
export interface MailStore {
  // ---- domains
  /** Add a domain (and its DKIM key). ALREADY_EXISTS, INVALID_DOMAIN. */
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | undefined>;
  listDomains(): Promise<Domain[]>;
  /** Remove a domain. DOMAIN_IN_USE while accounts or aliases use it. */
  removeDomain(name: string): Promise<void>;

  // ---- accounts
  /** Create an account with INBOX, Sent, Drafts, Trash, Junk, Archive. UNKNOWN_DOMAIN, ALREADY_EXISTS, INVALID_ADDRESS. */
  createAccount(account: NewAccount): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  findAccount(address: string): Promise<Account | undefined>;
  listAccounts(domain?: string): Promise<Account[]>;
  updateAccount(id: string, patch: AccountPatch): Promise<Account>;
  /** Delete an account, all its mailboxes and messages (blob references released). */
  deleteAccount(id: string): Promise<void>;

  // ---- aliases
  /** Create or replace an alias. Targets must be valid addresses; the alias domain must be local. */
  setAlias(address: string, targets: readonly string[]): Promise<Alias>;
  getAlias(address: string): Promise<Alias | undefined>;
  listAliases(domain?: string): Promise<Alias[]>;
  removeAlias(address: string): Promise<void>;
  /** Expand an address: account, alias (recursively, loop-safe), then catch-all. undefined when nothing local matches. */
  resolveRecipient(address: string): Promise<ResolvedRecipient | undefined>;

  // ---- mailboxes
  listMailboxes(accountId: string): Promise<Mailbox[]>;
  getMailbox(accountId: string, name: string): Promise<Mailbox | undefined>;
  getMailboxById(mailboxId: string): Promise<Mailbox | undefined>;
  /** INVALID_NAME, ALREADY_EXISTS. Creates missing parents. */
  createMailbox(accountId: string, name: string, options?: { specialUse?: SpecialUse; subscribed?: boolean }): Promise<Mailbox>;
  /** Rename with children. Renaming INBOX moves its messages into a new mailbox and leaves INBOX empty (RFC 3501). */
  renameMailbox(accountId: string, oldName: string, newName: string): Promise<Mailbox>;
  /** Delete a mailbox and its messages. INBOX cannot be deleted. */
  deleteMailbox(accountId: string, name: string): Promise<void>;
  setSubscribed(accountId: string, name: string, subscribed: boolean): Promise<void>;

  // ---- messages
  /** Deliver one body to many recipients atomically: one blob, one batch. Over-quota recipients are skipped and reported. */
  deliver(delivery: Delivery): Promise<DeliveryResult>;
  /** Append to one mailbox (IMAP APPEND). OVER_QUOTA. */
  appendMessage(mailboxId: string, body: Uint8Array, options?: { flags?: readonly string[]; internalDate?: number }): Promise<MessageMeta>;
  /** Messages of a mailbox in UID order, optionally within a UID range (inclusive). */
  listMessages(mailboxId: string, range?: { readonly from?: number; readonly to?: number }): Promise<MessageMeta[]>;
  getMessage(mailboxId: string, uid: number): Promise<MessageMeta | undefined>;
  /**
   * A mailbox's messages as SELECT needs them (UIDs, modseqs, first unseen,
   * keywords) in one call and a few typed arrays, instead of listMessages'
   * objects; undefined for an unknown mailbox. Kept per mailbox while nothing
   * in it changes, so a repeated SELECT reads one record: do not modify the
   * arrays.
   */
  getMailboxIndex(mailboxId: string): Promise<MailboxIndex | undefined>;
  /**
   * The BodyInfo stored beside a blob at delivery. `{ text: false }` leaves
   * the search text out (it is stored apart and is many times the size of
   * the structure): what a FETCH should ask for.
   */
  getBodyInfo(blobId: string, options?: BodyInfoOptions): Promise<BodyInfo | undefined>;
  /**
   * getBodyInfo for many bodies in one call, in the order asked (undefined
   * for an unknown one): one round trip through the worker bridge instead of
   * one per message, for a FETCH over a whole mailbox.
   */
  getBodyInfos(blobIds: readonly string[], options?: BodyInfoOptions): Promise<Array<BodyInfo | undefined>>;
  /**
   * The top-level header bytes (BodyInfo.head) of many bodies kept at delivery,
   * in the order asked, in one buffer: a header FETCH over a whole mailbox
   * reads no blob file and no structure. Empty for a body without one (an
   * unknown body, a header over 16 KB, no analyzer): read the blob then.
   */
  getBodyHeads(blobIds: readonly string[]): Promise<BodyHeads>;
  /**
   * listMessages as columns (see MessageColumns); undefined for an unknown
   * mailbox. One copy across the worker bridge instead of one object each.
   */
  listMessageColumns(mailboxId: string, range?: { readonly from?: number; readonly to?: number }): Promise<MessageColumns | undefined>;
  /**
   * BODY[HEADER.FIELDS (names)] (HEADER.FIELDS.NOT when `not`) of the
   * top-level headers kept at delivery, selected in the store and packed like
   * getBodyHeads, in the order asked: the same bytes as selecting on
   * getBodyHeads' result, but only those cross to the caller. Empty where no
   * header is kept (read the blob then).
   */
  getHeaderFields(blobIds: readonly string[], names: readonly string[], not: boolean): Promise<BodyHeads>;
  /**
   * searchCandidates for bodies the caller has listed already (a listener
   * that keeps the mailbox's listing): out[i] is 1 when blobIds[i] MAY
   * contain every term, 0 when the index rules it out (same guarantees as
   * searchCandidates); undefined when no term has 3 or more characters.
   */
  searchBodyCandidates(blobIds: readonly string[], terms: readonly string[]): Promise<Uint8Array | undefined>;
  /**
   * A listener's cache record (listener-cache.ts): derived data a listener
   * keeps across restarts, never trusted without checking; undefined when absent.
   */
  getListenerCache(name: string): Promise<unknown>;
  /** Keep a listener's cache record (JSON data), or drop it with undefined. Not synced: a crash may lose it. */
  setListenerCache(name: string, value: unknown): Promise<void>;
  /**
   * Bytes [start, end) of a body (whole body by default), wherever it is kept;
   * undefined when the body is gone. The buffer is the caller's.
   */
  readBody(blobId: string, start?: number, end?: number): Promise<Uint8Array | undefined>;
  /**
   * Absolute path of a body's file, for streaming reads of large bodies.
   * Only bodies over INLINE_BODY_LIMIT are sure to be files (body-placement.ts);
   * smaller ones are read with readBody. Files are immutable once named.
   */
  blobPath(blobId: string): string;
  /**
   * Narrow a BODY or TEXT search with the index built at delivery: the UIDs of
   * `mailboxId` whose message MAY contain every one of `terms` (each already
   * normalised with the MIME room's normalizeSearchText) as a substring of its
   * search text. A superset: every message that does contain them is listed
   * (false positives possible, false negatives never; a message whose text was
   * not indexed, e.g. cut at the size limit, is always listed), so the caller
   * confirms each candidate exactly. One index covers both fields: the text of
   * the body is contained in the full search text (headers and body), so 'body'
   * gets the same candidates as 'text'. Resolves undefined when no term has 3
   * or more characters: the index cannot narrow, scan every message. UIDs in
   * ascending order; an unknown mailbox gives [].
   */
  searchCandidates(mailboxId: string, terms: readonly string[], field?: 'text' | 'body'): Promise<number[] | undefined>;
  /** Change flags; only messages whose flags actually change get a new modseq. */
  setFlags(
    mailboxId: string,
    uids: readonly number[],
    op: FlagOperation,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<FlagUpdateResult>;
  /** Copy messages (sharing blobs). OVER_QUOTA. */
  copyMessages(sourceMailboxId: string, uids: readonly number[], targetMailboxId: string): Promise<CopyResult>;
  /** Move messages atomically (copy + expunge in one batch). */
  moveMessages(sourceMailboxId: string, uids: readonly number[], targetMailboxId: string): Promise<CopyResult>;
  /** Remove messages; returns the UIDs actually removed. */
  expunge(mailboxId: string, uids: readonly number[]): Promise<number[]>;

  // ---- outbound queue
  enqueue(item: NewQueueItem): Promise<QueueItem>;
  getQueueItem(id: string): Promise<QueueItem | undefined>;
  listQueue(): Promise<QueueItem[]>;
  updateQueueItem(id: string, patch: QueuePatch): Promise<QueueItem | undefined>;
  /** Remove a queue item and release its body. */
  removeQueueItem(id: string): Promise<void>;

  // ---- settings (runtime settings validated by the admin room; the store keeps JSON values)
  getSetting(key: string): Promise<unknown>;
  listSettings(): Promise<Record<string, unknown>>;
  /** Set several keys in one batch; `undefined` deletes a key (back to its default). */
  setSettings(values: Readonly<Record<string, unknown>>): Promise<void>;

  // ---- change feed
  /** Receive every committed change, in commit order. Returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;

  // ---- leases (mutual exclusion across listener threads; memory only, a restart frees them all)
  /**
   * Take or renew the named lease for `holder` until now + ttlMs. Resolves false
   * when another holder has it and it has not expired. The TTL frees a lease
   * whose holder died without releasing it (a crashed listener thread), so a
   * holder that keeps it renews well within the TTL. The POP3 maildrop lock.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Give a lease back; a no-op unless `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;

  // ---- maintenance
  stats(): Promise<StoreStats>;
  fsck(options?: { repair?: boolean }): Promise<FsckReport>;
  /** Write a consistent snapshot (LevelDB contents and blobs) into an empty directory. */
  backup(dir: string): Promise<{ readonly files: number; readonly bytes: number }>;
  close(): Promise<void>;
}
