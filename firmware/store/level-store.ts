// LevelMailStore: the MailStore on LevelDB (classic-level) and body files.
// Reads go straight to durable state; every change is prepared in a Tx under
// the core's mutex and committed by the group-commit queue (see core.ts).
import { PochtaError } from '../errors.ts';
import { normalizeAddress } from './address.ts';
import { backup } from './backup.ts';
import { hashBody, isBlobId } from './blob-files.ts';
import { packHeads } from './body-head.ts';
import type { BodyMover } from './body-mover.ts';
import { isInlineBody } from './body-placement.ts';
import { type NewBlob, type StoreCore, storageError } from './core.ts';
import * as directory from './directory-ops.ts';
import { fsck } from './fsck.ts';
import { keys, OPEN_MARKER_KEY } from './keys.ts';
import { getListenerCache, setListenerCache } from './listener-cache.ts';
import { normalizeMailboxName } from './mailbox-names.ts';
import * as mailboxes from './mailbox-ops.ts';
import { getHeaderFields, listMessageColumns, searchBodyCandidates } from './message-columns.ts';
import * as messages from './message-ops.ts';
import * as queue from './queue-ops.ts';
import type { BlobRecord } from './records.ts';
import { compileQuery, joinBodyInfo, mayContain, signatureOf } from './search-index.ts';
import type {
  Account,
  AccountPatch,
  Alias,
  BodyAnalysis,
  BodyHeads,
  BodyInfo,
  BodyInfoOptions,
  CopyResult,
  Delivery,
  DeliveryResult,
  Domain,
  FlagOperation,
  FlagUpdateResult,
  FsckReport,
  Mailbox,
  MailboxIndex,
  MailStore,
  MessageColumns,
  MessageMeta,
  NewAccount,
  NewQueueItem,
  QueueItem,
  QueuePatch,
  ResolvedRecipient,
  SpecialUse,
  StoreEvent,
  StoreStats,
} from './types.ts';

/** Mailboxes whose SELECT index is kept (the recently selected ones). */
const INDEX_CACHE_SIZE = 64;

/** What moves whenever a message of the mailbox is added, changed or removed. */
function mailboxState(mailbox: Mailbox): string {
  return `${mailbox.highestModseq}:${mailbox.uidNext}:${mailbox.messages}`;
}

type IndexColumns = Omit<MailboxIndex, 'mailbox' | 'highestModseq'>;

export class LevelMailStore implements MailStore {
  readonly #core: StoreCore;
  /** SELECT indexes by mailbox, each valid while the mailbox's state is the one it was listed at. */
  readonly #indexes = new Map<string, { readonly state: string; readonly index: IndexColumns }>();
  /** Leases by name; in memory because they only guard live sessions of this process. */
  readonly #leases = new Map<string, { readonly holder: string; readonly expires: number }>();
  readonly #mover: BodyMover;
  readonly dir: string;

  constructor(core: StoreCore, dir: string, mover: BodyMover) {
    this.#core = core;
    this.#mover = mover;
    this.dir = dir;
  }

  /**
   * Move every body still kept in the database to its file now instead of a
   * moment later (body-mover.ts). For tests and benchmarks; mail never needs it.
   */
  moveBodies(): Promise<void> {
    this.#core.assertOpen();
    return this.#mover.drain();
  }

  /** Group-commit counters: synchronous writes done and batches they carried. */
  get commitStats(): { readonly writes: number; readonly batches: number } {
    return this.#core.commits.stats;
  }

  // ---- domains
  async addDomain(name: string): Promise<Domain> {
    const domain = directory.normalizeDomain(name);
    this.#core.assertOpen();
    // key generation takes a while; do it before taking the write mutex
    const dkim = await directory.generateDkimKey(this.#core.now());
    return this.#core.mutate((tx) => directory.addDomain(tx, domain, dkim, this.#core.now()));
  }
  async getDomain(name: string): Promise<Domain | undefined> {
    return this.#core.read<Domain>(keys.domain(normalizeAddress(`x@${name}`).slice(2)));
  }
  async listDomains(): Promise<Domain[]> {
    return (await this.#core.scan<Domain>(keys.domains())).map(([, domain]) => domain);
  }
  async removeDomain(name: string): Promise<void> {
    const domain = directory.normalizeDomain(name);
    await this.#core.mutate((tx) => directory.removeDomain(tx, domain));
  }

  // ---- accounts
  async createAccount(account: NewAccount): Promise<Account> {
    return this.#core.mutate((tx) => directory.createAccount(tx, account, this.#core.now()));
  }
  async getAccount(id: string): Promise<Account | undefined> {
    return this.#core.read<Account>(keys.account(id));
  }
  async findAccount(address: string): Promise<Account | undefined> {
    const id = await this.#core.read<string>(keys.address(normalizeAddress(address)));
    return id === undefined ? undefined : this.getAccount(id);
  }
  async listAccounts(domain?: string): Promise<Account[]> {
    const range = keys.addresses(domain === undefined ? undefined : normalizeAddress(`x@${domain}`).slice(2));
    const ids = (await this.#core.scan<string>(range)).map(([, id]) => id);
    const accounts = await Promise.all(ids.map((id) => this.getAccount(id)));
    return accounts.filter((account): account is Account => account !== undefined);
  }
  async updateAccount(id: string, patch: AccountPatch): Promise<Account> {
    return this.#core.mutate((tx) => directory.updateAccount(tx, id, patch));
  }
  async deleteAccount(id: string): Promise<void> {
    await this.#core.mutate((tx) => directory.deleteAccount(tx, id));
  }

  // ---- aliases
  async setAlias(address: string, targets: readonly string[]): Promise<Alias> {
    return this.#core.mutate((tx) => directory.setAlias(tx, address, targets, this.#core.now()));
  }
  async getAlias(address: string): Promise<Alias | undefined> {
    return this.#core.read<Alias>(keys.alias(normalizeAddress(address)));
  }
  async listAliases(domain?: string): Promise<Alias[]> {
    const range = keys.aliases(domain === undefined ? undefined : normalizeAddress(`x@${domain}`).slice(2));
    return (await this.#core.scan<Alias>(range)).map(([, alias]) => alias);
  }
  async removeAlias(address: string): Promise<void> {
    await this.#core.mutate((tx) => directory.removeAlias(tx, address));
  }
  async resolveRecipient(address: string): Promise<ResolvedRecipient | undefined> {
    const resolved = await directory.resolveRecipient({ get: (key) => this.#core.read(key) }, address);
    if (resolved === undefined) return undefined;
    const accounts = resolved.accountIds
      .map((id) => this.#core.readSync<Account>(keys.account(id)))
      .filter((account): account is Account => account !== undefined);
    return { ...resolved, accounts };
  }

  // ---- mailboxes
  async listMailboxes(accountId: string): Promise<Mailbox[]> {
    const ids = (await this.#core.scan<string>(keys.mailboxNames(accountId))).map(([, id]) => id);
    const found = await Promise.all(ids.map((id) => this.getMailboxById(id)));
    return found.filter((mailbox): mailbox is Mailbox => mailbox !== undefined);
  }
  async getMailbox(accountId: string, name: string): Promise<Mailbox | undefined> {
    let canonical: string;
    try {
      canonical = normalizeMailboxName(name);
    } catch {
      return undefined;
    }
    const id = await this.#core.read<string>(keys.mailboxName(accountId, canonical));
    return id === undefined ? undefined : this.getMailboxById(id);
  }
  async getMailboxById(mailboxId: string): Promise<Mailbox | undefined> {
    return this.#core.read<Mailbox>(keys.mailbox(mailboxId));
  }
  async createMailbox(accountId: string, name: string, options?: { specialUse?: SpecialUse; subscribed?: boolean }): Promise<Mailbox> {
    return this.#core.mutate((tx) => mailboxes.createMailbox(tx, accountId, name, this.#core.now(), options));
  }
  async renameMailbox(accountId: string, oldName: string, newName: string): Promise<Mailbox> {
    return this.#core.mutate((tx) => mailboxes.renameMailbox(tx, accountId, oldName, newName, this.#core.now()));
  }
  async deleteMailbox(accountId: string, name: string): Promise<void> {
    await this.#core.mutate((tx) => mailboxes.deleteMailbox(tx, accountId, name));
  }
  async setSubscribed(accountId: string, name: string, subscribed: boolean): Promise<void> {
    await this.#core.mutate((tx) => mailboxes.setSubscribed(tx, accountId, name, subscribed));
  }

  // ---- messages
  async deliver(delivery: Delivery): Promise<DeliveryResult> {
    if (delivery.recipients.length === 0) throw new PochtaError('INVALID_ARGUMENT', 'a delivery needs recipients');
    return this.#withBody(
      delivery.body,
      async (blobId, newBlobs) => {
        const now = this.#core.now();
        const out = await this.#core.mutate((tx) => messages.deliver(tx, delivery, blobId, now), newBlobs);
        const result: DeliveryResult = { blobId, size: delivery.body.byteLength, copies: out.copies, overQuota: out.overQuota };
        return { result, referenced: out.copies.length > 0 };
      },
      delivery.analysis,
    );
  }
  async appendMessage(
    mailboxId: string,
    body: Uint8Array,
    options: { flags?: readonly string[]; internalDate?: number } = {},
  ): Promise<MessageMeta> {
    return this.#withBody(body, async (blobId, newBlobs) => {
      const now = this.#core.now();
      const result = await this.#core.mutate((tx) => messages.append(tx, mailboxId, blobId, body.byteLength, options, now), newBlobs);
      return { result, referenced: true };
    });
  }
  async listMessages(mailboxId: string, range?: { readonly from?: number; readonly to?: number }): Promise<MessageMeta[]> {
    return (await this.#core.scan<MessageMeta>(keys.messages(mailboxId, range?.from, range?.to))).map(([, message]) => message);
  }
  async getMailboxIndex(mailboxId: string): Promise<MailboxIndex | undefined> {
    const before = await this.getMailboxById(mailboxId);
    if (before === undefined) return undefined;
    const state = mailboxState(before);
    const hit = this.#indexes.get(mailboxId);
    if (hit !== undefined && hit.state === state) {
      // most recently used last: the oldest goes first when the cache is full
      this.#indexes.delete(mailboxId);
      this.#indexes.set(mailboxId, hit);
      return { ...hit.index, mailbox: before, highestModseq: before.highestModseq };
    }
    const list = await this.listMessages(mailboxId);
    const mailbox = (await this.getMailboxById(mailboxId)) ?? before;
    const uids = new Uint32Array(list.length);
    const modseqs = new Float64Array(list.length);
    const keywords = new Set<string>();
    let firstUnseen = 0;
    for (let i = 0; i < list.length; i++) {
      const message = list[i]!;
      uids[i] = message.uid;
      modseqs[i] = message.modseq;
      let seen = false;
      for (const flag of message.flags) {
        if (flag === '\\Seen') seen = true;
        else if (!flag.startsWith('\\')) keywords.add(flag);
      }
      if (!seen && firstUnseen === 0) firstUnseen = i + 1;
    }
    const index = { uids, modseqs, firstUnseen, keywords: [...keywords].sort() };
    // Kept only when nothing committed to the mailbox during the listing: every
    // change to its messages moves highestModseq or uidNext, so an unchanged
    // state means the listing is exactly that state's.
    if (mailboxState(mailbox) === state) {
      this.#indexes.delete(mailboxId);
      this.#indexes.set(mailboxId, { state, index });
      if (this.#indexes.size > INDEX_CACHE_SIZE) this.#indexes.delete(this.#indexes.keys().next().value!);
    }
    return { ...index, mailbox, highestModseq: before.highestModseq };
  }
  async getMessage(mailboxId: string, uid: number): Promise<MessageMeta | undefined> {
    if (!Number.isInteger(uid) || uid < 1) return undefined;
    return this.#core.read<MessageMeta>(keys.message(mailboxId, uid));
  }
  async getBodyInfo(blobId: string, options?: BodyInfoOptions): Promise<BodyInfo | undefined> {
    return this.#bodyInfo(blobId, options?.text !== false);
  }
  async getBodyInfos(blobIds: readonly string[], options?: BodyInfoOptions): Promise<Array<BodyInfo | undefined>> {
    const text = options?.text !== false;
    return Promise.all(blobIds.map((blobId) => this.#bodyInfo(blobId, text)));
  }
  async getBodyHeads(blobIds: readonly string[]): Promise<BodyHeads> {
    this.#core.assertOpen();
    // one multi-get through the thread pool: this thread serves other sessions meanwhile
    const wanted = blobIds.map((id) => (isBlobId(id) ? keys.bodyHead(id) : keys.bodyHead('-')));
    let values: unknown[];
    try {
      values = wanted.length === 0 ? [] : await this.#core.db.getMany(wanted);
    } catch (err) {
      throw storageError(err);
    }
    return packHeads(values);
  }
  async listMessageColumns(
    mailboxId: string,
    range?: { readonly from?: number; readonly to?: number },
  ): Promise<MessageColumns | undefined> {
    return listMessageColumns(this.#core, mailboxId, range);
  }
  async getHeaderFields(blobIds: readonly string[], names: readonly string[], not: boolean): Promise<BodyHeads> {
    return getHeaderFields(this.#core, blobIds, names, not);
  }
  async searchBodyCandidates(blobIds: readonly string[], terms: readonly string[]): Promise<Uint8Array | undefined> {
    return searchBodyCandidates(this.#core, blobIds, terms);
  }
  async getListenerCache(name: string): Promise<unknown> {
    return getListenerCache(this.#core, name);
  }
  async setListenerCache(name: string, value: unknown): Promise<void> {
    await setListenerCache(this.#core, name, value);
  }
  // The structure (small) is read synchronously; the text, which may be
  // megabytes, through the thread pool so its read does not stall this thread.
  async #bodyInfo(blobId: string, text: boolean): Promise<BodyInfo | undefined> {
    if (!isBlobId(blobId)) return undefined;
    const info = this.#core.readSync<BodyInfo>(keys.bodyInfo(blobId));
    return text ? joinBodyInfo(info, await this.#core.read<string>(keys.bodyText(blobId))) : info;
  }
  async searchCandidates(mailboxId: string, terms: readonly string[], _field?: 'text' | 'body'): Promise<number[] | undefined> {
    const query = compileQuery(terms);
    if (query === undefined) return undefined;
    const list = await this.listMessages(mailboxId);
    // one read per distinct body: copies of one body in a mailbox share it
    const blobIds = [...new Set(list.map((message) => message.blobId))];
    let signatures: unknown[];
    try {
      this.#core.assertOpen();
      signatures = await this.#core.db.getMany(blobIds.map((blobId) => keys.searchSignature(blobId)));
    } catch (err) {
      throw storageError(err);
    }
    const verdict = new Map<string, boolean>();
    blobIds.forEach((blobId, i) => {
      verdict.set(blobId, mayContain(signatures[i], query));
    });
    return list.filter((message) => verdict.get(message.blobId) === true).map((message) => message.uid);
  }
  async readBody(blobId: string, start?: number, end?: number): Promise<Uint8Array | undefined> {
    this.#core.assertOpen();
    if (!isBlobId(blobId)) return undefined;
    return this.#core.readInlineBody(blobId, start, end) ?? this.#core.blobs.read(blobId, start, end);
  }
  blobPath(blobId: string): string {
    if (!isBlobId(blobId)) throw new PochtaError('INVALID_ARGUMENT', 'not a body id');
    return this.#core.blobs.path(blobId);
  }
  async setFlags(
    mailboxId: string,
    uids: readonly number[],
    op: FlagOperation,
    flags: readonly string[],
    options?: { unchangedSince?: number },
  ): Promise<FlagUpdateResult> {
    return this.#core.mutate((tx) => messages.setFlags(tx, mailboxId, uids, op, flags, options?.unchangedSince));
  }
  async copyMessages(sourceMailboxId: string, uids: readonly number[], targetMailboxId: string): Promise<CopyResult> {
    return this.#core.mutate((tx) => messages.copyOrMove(tx, sourceMailboxId, uids, targetMailboxId, false));
  }
  async moveMessages(sourceMailboxId: string, uids: readonly number[], targetMailboxId: string): Promise<CopyResult> {
    return this.#core.mutate((tx) => messages.copyOrMove(tx, sourceMailboxId, uids, targetMailboxId, true));
  }
  async expunge(mailboxId: string, uids: readonly number[]): Promise<number[]> {
    return this.#core.mutate((tx) => messages.expunge(tx, mailboxId, uids));
  }

  // ---- outbound queue
  async enqueue(item: NewQueueItem): Promise<QueueItem> {
    return this.#withBody(item.body, async (blobId, newBlobs) => {
      const now = this.#core.now();
      const result = await this.#core.mutate(async (tx) => queue.enqueue(tx, item, blobId, now), newBlobs);
      return { result, referenced: true };
    });
  }
  async getQueueItem(id: string): Promise<QueueItem | undefined> {
    return this.#core.read<QueueItem>(keys.queueItem(id));
  }
  async listQueue(): Promise<QueueItem[]> {
    return (await this.#core.scan<QueueItem>(keys.queue())).map(([, item]) => item);
  }
  async updateQueueItem(id: string, patch: QueuePatch): Promise<QueueItem | undefined> {
    return this.#core.mutate((tx) => queue.updateQueueItem(tx, id, patch));
  }
  async removeQueueItem(id: string): Promise<void> {
    await this.#core.mutate((tx) => queue.removeQueueItem(tx, id));
  }

  // ---- settings
  async getSetting(key: string): Promise<unknown> {
    return this.#core.read(keys.setting(key));
  }
  async listSettings(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of await this.#core.scan(keys.settings())) out[keys.settingOf(key)] = value;
    return out;
  }
  async setSettings(values: Readonly<Record<string, unknown>>): Promise<void> {
    await this.#core.mutate(async (tx) => queue.setSettings(tx, values));
  }

  // ---- change feed
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#core.listeners.add(listener);
    return () => this.#core.listeners.delete(listener);
  }

  // ---- leases
  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    this.#core.assertOpen();
    const now = this.#core.now();
    const current = this.#leases.get(name);
    if (current !== undefined && current.holder !== holder && current.expires > now) return false;
    this.#leases.set(name, { holder, expires: now + Math.max(0, ttlMs) });
    return true;
  }
  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name);
  }

  // ---- maintenance
  async stats(): Promise<StoreStats> {
    const count = async (range: { gte: string; lt: string }) => {
      let n = 0;
      for await (const _key of this.#core.db.keys(range)) n += 1;
      return n;
    };
    this.#core.assertOpen();
    const blobs = await this.#core.scan<BlobRecord>(keys.blobs());
    const boxes = await this.#core.scan<Mailbox>(keys.mailboxes());
    return {
      domains: await count(keys.domains()),
      accounts: await count(keys.accounts()),
      messages: boxes.reduce((sum, [, mailbox]) => sum + mailbox.messages, 0),
      blobs: blobs.length,
      blobBytes: blobs.reduce((sum, [, blob]) => sum + blob.size, 0),
      queued: await count(keys.queue()),
    };
  }
  async fsck(options?: { repair?: boolean }): Promise<FsckReport> {
    this.#core.assertOpen();
    // a repair may rewrite records without moving the mailbox state
    this.#indexes.clear();
    return fsck(this.#core, options?.repair ?? false);
  }
  async backup(dir: string): Promise<{ readonly files: number; readonly bytes: number }> {
    this.#core.assertOpen();
    return backup(this.#core, dir);
  }

  /** Finish every queued change, then close; later calls fail with STORE_CLOSED. */
  async close(): Promise<void> {
    if (this.#core.closed) return;
    // bodies not moved yet stay in the database, as durable as the rest; the next open moves them
    await this.#mover.stop();
    await this.#core.settleCompaction();
    await this.#core.exclusive(async () => {
      await this.#core.commits.settle();
      await this.#core.settleCollection();
      this.#core.closed = true;
      await this.#core.blobs.close();
      // A clean close lets the next open skip the orphan sweep; with a body
      // write still in flight (it will fail with STORE_CLOSED and may leave
      // its file), the marker stays so the next open sweeps.
      if (!this.#core.bodiesInFlight) await this.#core.db.del(OPEN_MARKER_KEY, { sync: true }).catch(() => undefined);
      await this.#core.db.close();
    });
  }

  // Hash and write a body before the change that references it; the pin keeps
  // the file until that change committed or failed.
  async #withBody<T>(
    body: Uint8Array,
    run: (blobId: string, newBlobs: ReadonlyMap<string, NewBlob>) => Promise<{ result: T; referenced: boolean }>,
    given?: BodyAnalysis,
  ): Promise<T> {
    if (!(body instanceof Uint8Array)) throw new PochtaError('INVALID_ARGUMENT', 'body must be bytes');
    this.#core.assertOpen();
    const blobId = hashBody(body);
    // Parse the body only if it is new; known bodies keep the BodyInfo they got first.
    let known: boolean;
    try {
      known = this.#core.db.getSync(keys.blob(blobId)) !== undefined;
    } catch (err) {
      throw storageError(err);
    }
    // the caller's analysis when it brings one (computed on its own thread), made with the same analyzer
    let info: BodyInfo | undefined = given?.info;
    let analyzed = given !== undefined;
    const analyze = () => {
      if (!analyzed && this.#core.analyze) {
        try {
          info = this.#core.analyze(body);
        } catch {
          info = undefined; // a body the parser chokes on is still mail: keep it, without structure
        }
      }
      analyzed = true;
      return info;
    };
    // the trigram set of a long text takes a while: computed here, not under the write mutex
    let signature: string | undefined = given?.signature;
    const sign = () => {
      signature ??= signatureOf(analyze());
      return signature;
    };
    if (!known) {
      await this.#core.ensureSpace(body.byteLength);
      sign();
    }
    await this.#core.pinBody(blobId, body, known);
    let referenced = false;
    try {
      const bytes = isInlineBody(body.byteLength) ? body : undefined;
      const out = await run(blobId, new Map([[blobId, { size: body.byteLength, info: analyze, signature: sign, bytes }]]));
      referenced = out.referenced;
      return out.result;
    } finally {
      // an unreferenced body is collected before the caller hears back
      await this.#core.unpin(blobId, referenced);
    }
  }
}
