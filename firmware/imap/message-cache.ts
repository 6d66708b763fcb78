// The message listings of recently used mailboxes, kept in the IMAP listener
// thread and shared by its sessions: SELECT, FETCH and SEARCH of a mailbox of
// 10,000 messages then read one mailbox record across the worker bridge
// instead of listing (and cloning) 10,000 message records each time.
//
// Kept current from the store's change feed (flags and expunges applied in
// place, new messages read as a tail listing when next used) and checked on
// every use against the mailbox record the caller read: HIGHESTMODSEQ, UIDNEXT
// and the message count move with every change to a message, so when the
// listing's own figures equal the record's, the listing is exactly that state;
// otherwise (an event missed or still in flight) the mailbox is listed again.
// Every event is applied idempotently, because a listing may already hold
// the changes whose events arrive after it.

import type { Mailbox, MailStore, MessageColumns, MessageMeta, StoreEvent } from '../store/types.ts';
import { dropFields } from './fields-record.ts';
import { lowerBound } from './mailbox-view.ts';
import { formatDateTime } from './syntax/dates.ts';

const DAY_MS = 86_400_000;

/** Characters of quick FETCH responses kept with the listed records (fetch-quick.ts), per listener thread. */
export const DEFAULT_MAX_RESPONSE_CHARS = 16 * 1024 * 1024;

/**
 * Messages kept over all mailboxes (about 160 bytes each; each IMAP listener
 * thread has its own cache); the least recently used mailbox goes first.
 */
export const DEFAULT_MAX_MESSAGES = 100_000;

/** Listings of at least this many messages are kept in the store at a stop (MessageCache.save). */
export const LISTING_RECORD_MIN = 1000;

/** A listing as save() keeps it (JSON). */
interface ListingRecord {
  readonly v: 1;
  readonly highestModseq: number;
  readonly uidNext: number;
  readonly uids: readonly number[];
  readonly modseqs: readonly number[];
  readonly sizes: readonly number[];
  readonly internalDates: readonly number[];
  readonly blobIds: string;
  readonly flagSets: ReadonlyArray<readonly string[]>;
  readonly flagIndex: readonly number[];
}

function isListingRecord(value: unknown): value is ListingRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const numbers = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'number');
  return (
    r.v === 1 &&
    typeof r.highestModseq === 'number' &&
    typeof r.uidNext === 'number' &&
    numbers(r.uids) &&
    numbers(r.modseqs) &&
    numbers(r.sizes) &&
    numbers(r.internalDates) &&
    numbers(r.flagIndex) &&
    typeof r.blobIds === 'string' &&
    Array.isArray(r.flagSets) &&
    r.flagSets.every((list) => Array.isArray(list) && list.every((f) => typeof f === 'string'))
  );
}

/**
 * The listener cache record naming the mailboxes whose listings save() kept,
 * most recently used last: warm() makes them current again at the next start.
 */
export const WARM_RECORD = 'imap-warm';

/** Mailboxes warm() makes ready at a start, at most (the most recently used). */
export const WARM_MAX = 8;

function isWarmRecord(value: unknown): value is { readonly v: 1; readonly mailboxIds: readonly string[] } {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return r.v === 1 && Array.isArray(r.mailboxIds) && r.mailboxIds.every((id) => typeof id === 'string');
}

export function listingRecordName(mailboxId: string): string {
  return `imap-listing:${mailboxId}`;
}

/** A mailbox's messages in UID order, consistent with one state of the mailbox (or newer). */
export interface MailboxListing {
  readonly messages: readonly MessageMeta[];
  /** HIGHESTMODSEQ to announce with this listing: never newer than the listing. */
  readonly highestModseq: number;
  /** UIDNEXT to announce: above every listed UID. */
  readonly uidNext: number;
  /** What SELECT announces of the listing, computed once per state of a kept listing. */
  summary(): SelectSummary;
}

/** What SELECT needs of a listing. Read-only: the view copies what it changes. */
export interface SelectSummary {
  readonly uids: readonly number[];
  readonly modseqs: readonly number[];
  /** Every flag of every message, each distinct list once (the view keeps the keywords). */
  readonly flags: readonly string[];
  /** Sequence number of the first message without \Seen, 0 when none. */
  readonly firstUnseen: number;
}

/** The SELECT summary of messages in UID order. */
export function summarize(messages: readonly MessageMeta[]): SelectSummary {
  const uids = new Array<number>(messages.length);
  const modseqs = new Array<number>(messages.length);
  const lists = new Set<readonly string[]>();
  let firstUnseen = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    uids[i] = m.uid;
    modseqs[i] = m.modseq;
    if (!lists.has(m.flags)) lists.add(m.flags);
    if (firstUnseen === 0 && !m.flags.includes('\\Seen')) firstUnseen = i + 1;
  }
  return { uids, modseqs, flags: [...new Set([...lists].flat())], firstUnseen };
}

interface Entry {
  messages: MessageMeta[];
  uids: number[];
  /** Figures of the state the listing is (derived from the events applied); -1: unknown, list again. */
  highestModseq: number;
  uidNext: number;
  /** Lowest UID announced by message-added and not read yet. */
  pendingFrom: number | undefined;
  /** Events applied so far: one applied while a tail was read may be missing from that tail. */
  version: number;
  /** SELECT's summary of the listing as it is now; dropped by every change. */
  summary: SelectSummary | undefined;
  /** Characters of quick FETCH responses kept for this listing's records. */
  tailChars: number;
}

function sameState(entry: Entry, mailbox: Mailbox): boolean {
  return (
    entry.pendingFrom === undefined &&
    entry.highestModseq === mailbox.highestModseq &&
    entry.uidNext === mailbox.uidNext &&
    entry.messages.length === mailbox.messages
  );
}

export class MessageCache {
  private readonly store: MailStore;
  private readonly maxMessages: number;
  private readonly entries = new Map<string, Entry>();
  /** Flag lists shared by the cached messages: one array per distinct list. */
  private readonly flagLists = new Map<string, readonly string[]>();
  /** `17-Jul-1996 ` by day number: messages of one day share it, the time is arithmetic. */
  private readonly days = new Map<number, string>();
  private unsubscribe: (() => void) | undefined;
  private size = 0;
  /** Quick FETCH responses of kept records by the items asked (fetch-quick.ts); a record replaced takes its own along. */
  private readonly tails = new WeakMap<MessageMeta, { readonly shape: string; readonly text: string }>();
  /** Events told per mailbox, cached or not: a listing read while one came is not trusted. */
  private readonly told = new Map<string, number>();
  /** Characters of kept quick FETCH responses over all listings, at most maxTailChars. */
  private tailChars = 0;
  private readonly maxTailChars: number;
  /** Mailboxes this thread knows to have a fields record (fields-record.ts), dropped at their next expunge. */
  private readonly fieldsRecords = new Set<string>();
  /** Mailboxes warm() is making ready: listing() of one waits for it. */
  private readonly warming = new Map<string, Promise<void>>();
  /** warm()'s read of its record: until it is in, no one knows which mailboxes it will take. */
  private warmRead: Promise<unknown> | undefined;
  private closed = false;

  private readonly warmRecord: string;

  constructor(
    store: MailStore,
    options: {
      readonly maxMessages?: number;
      readonly maxResponseChars?: number;
      /** Listener cache record listing the mailboxes to warm() at the next start (one per listener). */
      readonly warmRecord?: string;
    } = {},
  ) {
    this.store = store;
    this.warmRecord = options.warmRecord ?? WARM_RECORD;
    this.maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
    this.maxTailChars = options.maxResponseChars ?? DEFAULT_MAX_RESPONSE_CHARS;
  }

  /**
   * The listing of `mailbox` (a record the caller just read): the kept one
   * when it is that state, else read again. Messages may be newer than the
   * record (changed meanwhile), never older.
   */
  async listing(mailbox: Mailbox): Promise<MailboxListing> {
    // a listing warm() is reading (with its kept responses) is not read twice
    if (this.warmRead !== undefined) await this.warmRead;
    const warming = this.warming.get(mailbox.id);
    if (warming !== undefined) await warming;
    return this.listingNow(mailbox);
  }

  /**
   * Right after a start, before clients ask: the listings save() kept at the
   * last stop (those still the mailbox's state) taken back, and each handed
   * to `then` (fetch-quick's fields record restored into the caches), so
   * that reading and parsing those records, and the garbage they leave, come
   * while the first client is still logging in, not inside its first sync.
   * One mailbox after the other; never fails (a cache only).
   */
  async warm(then?: (mailboxId: string, messages: readonly MessageMeta[]) => Promise<unknown>): Promise<void> {
    const read = this.store.getListenerCache(this.warmRecord).catch(() => undefined);
    this.warmRead = read;
    const record = await read;
    let chain = Promise.resolve();
    const ids = isWarmRecord(record) && !this.closed ? record.mailboxIds.slice(-WARM_MAX).reverse() : [];
    for (const id of ids) {
      chain = chain.then(async () => {
        if (this.closed) return;
        const mailbox = await this.store.getMailboxById(id);
        if (mailbox === undefined || this.closed) return;
        const listing = await this.listingNow(mailbox);
        if (this.entries.has(id) && !this.closed) await then?.(id, listing.messages);
      });
      chain = chain.catch(() => undefined);
      this.warming.set(id, chain);
    }
    this.warmRead = undefined;
    await chain;
    this.warming.clear();
  }

  private async listingNow(mailbox: Mailbox): Promise<MailboxListing> {
    // The feed starts before the first listing, so no change after it is missed.
    this.unsubscribe ??= this.store.subscribe((event) => this.apply(event));
    let entry = this.entries.get(mailbox.id);
    if (entry !== undefined && entry.pendingFrom !== undefined && entry.highestModseq >= 0) await this.readTail(mailbox.id, entry);
    entry = this.entries.get(mailbox.id);
    if (entry !== undefined && sameState(entry, mailbox)) {
      this.touch(mailbox.id, entry);
      const kept = entry;
      const { messages, version } = kept;
      const summary = () => {
        if (kept.version !== version) return summarize(messages);
        kept.summary ??= summarize(messages);
        return kept.summary;
      };
      return { messages, highestModseq: mailbox.highestModseq, uidNext: mailbox.uidNext, summary };
    }
    // An event told while the listing is read may be missing from it (its
    // commit came after the read, its event before the answer): such a
    // listing is used for this call only.
    const told = this.told.get(mailbox.id) ?? 0;
    // after a restart, the listing this thread kept at its last stop when the mailbox has not changed since
    const saved = entry === undefined ? await this.savedListing(mailbox) : undefined;
    const columns = saved ?? (await this.store.listMessageColumns(mailbox.id));
    if (columns === undefined) {
      return { messages: [], highestModseq: mailbox.highestModseq, uidNext: mailbox.uidNext, summary: () => summarize([]) };
    }
    const messages = this.toMessages(mailbox.id, columns);
    const lastUid = messages.at(-1)?.uid ?? 0;
    const fresh: Entry = {
      messages,
      uids: messages.map((m) => m.uid),
      highestModseq: columns.exact && (this.told.get(mailbox.id) ?? 0) === told ? columns.mailbox.highestModseq : -1,
      uidNext: Math.max(columns.mailbox.uidNext, lastUid + 1),
      pendingFrom: undefined,
      version: 0,
      summary: undefined,
      tailChars: 0,
    };
    this.forget(mailbox.id);
    if (messages.length <= this.maxMessages) {
      this.entries.set(mailbox.id, fresh);
      this.size += messages.length;
      this.evict();
    }
    return { messages, highestModseq: columns.mailbox.highestModseq, uidNext: fresh.uidNext, summary: () => summarize(messages) };
  }

  /** Is a listing of this mailbox kept (SELECT made one)? */
  has(mailboxId: string): boolean {
    return this.entries.has(mailboxId);
  }

  /** The listing of a mailbox by id (reads its record first); undefined when it is gone. */
  async listingById(mailboxId: string): Promise<MailboxListing | undefined> {
    const mailbox = await this.store.getMailboxById(mailboxId);
    return mailbox === undefined ? undefined : this.listing(mailbox);
  }

  /** INTERNALDATE of a message in its wire form (formatDateTime's), cheaply: FETCH asks it of every message. */
  dateText(meta: MessageMeta): string {
    const ms = meta.internalDate;
    const day = Math.floor(ms / DAY_MS);
    let prefix = this.days.get(day);
    if (prefix === undefined) {
      prefix = formatDateTime(day * DAY_MS).slice(0, -14);
      if (this.days.size > 4096) this.days.clear();
      this.days.set(day, prefix);
    }
    const seconds = Math.floor((ms - day * DAY_MS) / 1000);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor(seconds / 60) % 60;
    const s = seconds % 60;
    return `${prefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s} +0000`;
  }

  /**
   * Keep the listings of big mailboxes in the store (listener cache records)
   * for the first SELECT after a restart; each is used only while its
   * mailbox's state is the one it was kept at, and dropped when read.
   */
  async save(): Promise<void> {
    const saved: string[] = [];
    for (const [mailboxId, entry] of [...this.entries]) {
      if (entry.messages.length < LISTING_RECORD_MIN || entry.highestModseq < 0 || entry.pendingFrom !== undefined) continue;
      saved.push(mailboxId);
      const flagSets: Array<readonly string[]> = [];
      const setIds = new Map<readonly string[], number>();
      const flagIndex = entry.messages.map((m) => {
        let id = setIds.get(m.flags);
        if (id === undefined) {
          id = flagSets.length;
          setIds.set(m.flags, id);
          flagSets.push(m.flags);
        }
        return id;
      });
      const record: ListingRecord = {
        v: 1,
        highestModseq: entry.highestModseq,
        uidNext: entry.uidNext,
        uids: entry.uids,
        modseqs: entry.messages.map((m) => m.modseq),
        sizes: entry.messages.map((m) => m.size),
        internalDates: entry.messages.map((m) => m.internalDate),
        blobIds: entry.messages.map((m) => m.blobId).join('\n'),
        flagSets,
        flagIndex,
      };
      await this.store.setListenerCache(listingRecordName(mailboxId), record).catch(() => undefined);
    }
    // entries are in order of use: the most recent last
    const warm = saved.length === 0 ? undefined : { v: 1, mailboxIds: saved.slice(-WARM_MAX) };
    await this.store.setListenerCache(this.warmRecord, warm).catch(() => undefined);
  }

  /** Stop following the change feed and drop everything. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.entries.clear();
    this.size = 0;
    this.tailChars = 0;
  }

  /** A kept record's quick FETCH response after `* n FETCH (` for these items, when one was kept. */
  responseTail(meta: MessageMeta, shape: string): string | undefined {
    const kept = this.tails.get(meta);
    return kept?.shape === shape ? kept.text : undefined;
  }

  /** Keep a record's response for the next FETCH of the same items (one shape per record); false when over the bound. */
  keepResponseTail(meta: MessageMeta, shape: string, text: string): boolean {
    // Counted against the record's listing until that listing goes (a
    // response replaced with its record still counts: an upper bound).
    const entry = this.entries.get(meta.mailboxId);
    if (entry === undefined || this.tailChars + text.length > this.maxTailChars) return false;
    entry.tailChars += text.length;
    this.tailChars += text.length;
    this.tails.set(meta, { shape, text });
    return true;
  }

  /** The mailbox has a fields record now (written or read by a FETCH). */
  noteFieldsRecord(mailboxId: string): void {
    this.fieldsRecords.add(mailboxId);
  }

  /** Record a committed change; public for the feed, idempotent. */
  apply(event: StoreEvent): void {
    if (!('mailboxId' in event)) return;
    this.told.set(event.mailboxId, (this.told.get(event.mailboxId) ?? 0) + 1);
    // one counter per mailbox ever told of; a thread that sees thousands starts over
    if (this.told.size > 10_000) this.told.clear();
    if ((event.type === 'expunged' || event.type === 'mailbox-deleted') && this.fieldsRecords.delete(event.mailboxId)) {
      // the record would keep the fields of mail that is gone
      void dropFields(this.store, event.mailboxId).catch(() => undefined);
    }
    const entry = this.entries.get(event.mailboxId);
    if (entry === undefined) return;
    entry.version += 1;
    entry.summary = undefined;
    switch (event.type) {
      case 'message-added':
        entry.highestModseq = entry.highestModseq < 0 ? -1 : Math.max(entry.highestModseq, event.modseq);
        entry.uidNext = Math.max(entry.uidNext, event.uid + 1);
        if (event.uid > (entry.uids.at(-1) ?? 0)) entry.pendingFrom = Math.min(entry.pendingFrom ?? event.uid, event.uid);
        break;
      case 'flags-changed':
        for (const change of event.changes) {
          if (entry.highestModseq >= 0) entry.highestModseq = Math.max(entry.highestModseq, change.modseq);
          const i = lowerBound(entry.uids, change.uid);
          const old = entry.messages[i];
          if (old === undefined || old.uid !== change.uid || old.modseq >= change.modseq) continue;
          entry.messages[i] = { ...old, flags: this.shared(change.flags), modseq: change.modseq };
        }
        break;
      case 'expunged': {
        if (entry.highestModseq >= 0) entry.highestModseq = Math.max(entry.highestModseq, event.modseq);
        const gone = new Set(event.uids);
        const before = entry.messages.length;
        entry.messages = entry.messages.filter((m) => !gone.has(m.uid));
        if (entry.messages.length !== before) {
          entry.uids = entry.messages.map((m) => m.uid);
          this.size -= before - entry.messages.length;
        }
        break;
      }
      case 'mailbox-deleted':
      case 'mailbox-renamed':
        // a rename of INBOX moves its messages away: list again
        this.forget(event.mailboxId);
        break;
    }
  }

  /** Messages added since the listing (announced by the feed), read as one tail listing. */
  private async readTail(mailboxId: string, entry: Entry): Promise<void> {
    const from = entry.pendingFrom!;
    const version = entry.version;
    const columns = await this.store.listMessageColumns(mailboxId, { from });
    if (this.entries.get(mailboxId) !== entry) return;
    if (columns === undefined) {
      this.forget(mailboxId);
      return;
    }
    // A change told while the tail was read may be missing from it: list again.
    if (entry.version !== version) entry.highestModseq = -1;
    const tail = this.toMessages(mailboxId, columns);
    entry.version += 1;
    entry.summary = undefined;
    // Anything announced after `from` while reading is either in the tail or still pending.
    const cut = lowerBound(entry.uids, from);
    const kept = entry.messages.slice(0, cut);
    this.size += tail.length - (entry.messages.length - cut);
    entry.messages = kept.concat(tail);
    entry.uids = entry.messages.map((m) => m.uid);
    if (entry.pendingFrom === from) entry.pendingFrom = undefined;
    const lastUid = entry.uids.at(-1) ?? 0;
    entry.uidNext = Math.max(entry.uidNext, lastUid + 1);
    this.evict();
  }

  /** The listing kept by save() when it is `mailbox`'s state now; the record is dropped either way. */
  private async savedListing(mailbox: Mailbox): Promise<MessageColumns | undefined> {
    if (mailbox.messages < LISTING_RECORD_MIN) return undefined;
    const name = listingRecordName(mailbox.id);
    const record = await this.store.getListenerCache(name).catch(() => undefined);
    if (record === undefined) return undefined;
    // read once: from here on the change feed keeps the listing
    void this.store.setListenerCache(name, undefined).catch(() => undefined);
    if (!isListingRecord(record)) return undefined;
    const n = record.uids.length;
    const blobIds = record.blobIds.split('\n');
    const sameState = record.highestModseq === mailbox.highestModseq && record.uidNext === mailbox.uidNext && n === mailbox.messages;
    const columnsFit =
      record.modseqs.length === n &&
      record.sizes.length === n &&
      record.internalDates.length === n &&
      record.flagIndex.length === n &&
      blobIds.length === n &&
      record.flagIndex.every((i) => Number.isInteger(i) && i >= 0 && i < record.flagSets.length);
    if (!sameState || !columnsFit) return undefined;
    return {
      mailbox,
      exact: true,
      uids: Uint32Array.from(record.uids),
      modseqs: Float64Array.from(record.modseqs),
      sizes: Float64Array.from(record.sizes),
      internalDates: Float64Array.from(record.internalDates),
      blobIds: record.blobIds,
      flagSets: record.flagSets,
      flagIndex: Uint32Array.from(record.flagIndex),
    };
  }

  private toMessages(mailboxId: string, columns: MessageColumns): MessageMeta[] {
    const flags = columns.flagSets.map((list) => this.shared(list));
    const blobIds = columns.blobIds === '' ? [] : columns.blobIds.split('\n');
    const out = new Array<MessageMeta>(columns.uids.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = {
        mailboxId,
        uid: columns.uids[i]!,
        blobId: blobIds[i]!,
        size: columns.sizes[i]!,
        internalDate: columns.internalDates[i]!,
        flags: flags[columns.flagIndex[i]!]!,
        modseq: columns.modseqs[i]!,
      };
    }
    return out;
  }

  /** One frozen array per distinct flag list (FETCH formats each list once). */
  private shared(list: readonly string[]): readonly string[] {
    const key = list.join('\n');
    let found = this.flagLists.get(key);
    if (found === undefined) {
      found = Object.freeze([...list]);
      // keyword combinations are few; a store that has thousands starts over
      if (this.flagLists.size > 4096) this.flagLists.clear();
      this.flagLists.set(key, found);
    }
    return found;
  }

  private touch(mailboxId: string, entry: Entry): void {
    this.entries.delete(mailboxId);
    this.entries.set(mailboxId, entry);
  }

  private forget(mailboxId: string): void {
    const entry = this.entries.get(mailboxId);
    if (entry === undefined) return;
    this.entries.delete(mailboxId);
    this.tailChars -= entry.tailChars;
    this.size -= entry.messages.length;
  }

  private evict(): void {
    while (this.size > this.maxMessages && this.entries.size > 0) this.forget(this.entries.keys().next().value!);
  }
}
