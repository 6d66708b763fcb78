// Local delivery: recipients are resolved (account, alias, list, catch-all)
// and quota-checked at RCPT, and commit writes the body once for every local
// account in a single store.deliver() call, so five local recipients share one
// blob and one durable batch.

import { randomBytes } from 'node:crypto';
import { type ReplyError, toReplyError } from '../errors.ts';
import type { Account, BodyAnalysis, MailStore } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';
import { buildDsn, headerBlock } from './outbound/dsn.ts';
import { sendNotice } from './outbound/notices.ts';
import { receivedHeader } from './received.ts';
import type { CommitResult, DeliveryTarget, DeliveryTransaction, Envelope, MessageInfo, RecipientResult } from './target.ts';

export interface LocalTargetDeps {
  readonly store: MailStore;
  /** Our name in the Received header. */
  readonly hostname: string;
  readonly now: () => number;
  readonly log?: Logger;
  /**
   * The body's analysis (structure, text, search signature), done here on the
   * listener's thread so the store's thread, which every listener shares,
   * does not parse it (Delivery.analysis). Absent: the store analyzes.
   */
  readonly analyze?: (body: Uint8Array) => BodyAnalysis | undefined;
}

const JUNK = 'Junk';
const encoder = new TextEncoder();

export function createLocalTarget(deps: LocalTargetDeps): DeliveryTarget {
  return { start: (envelope) => new LocalTransaction(deps, envelope) };
}

class LocalTransaction implements DeliveryTransaction {
  readonly #deps: LocalTargetDeps;
  readonly #envelope: Envelope;
  /** Envelope recipient -> the local accounts it reaches (in RCPT order). */
  readonly #recipients = new Map<string, Account[]>();
  #message: Uint8Array | undefined;
  #info: MessageInfo = {};
  #done = false;

  constructor(deps: LocalTargetDeps, envelope: Envelope) {
    this.#deps = deps;
    this.#envelope = envelope;
  }

  async addRecipient(address: string): Promise<RecipientResult> {
    if (this.#done) return refuse(toReplyError(new Error('transaction finished')));
    try {
      const resolved = await this.#deps.store.resolveRecipient(address);
      if (!resolved) return refuse(toReplyError({ code: 'UNKNOWN_USER' }));
      const accounts: Account[] = [];
      const full: Account[] = [];
      const incoming = this.#envelope.declaredSize ?? 0;
      const known = new Map((resolved.accounts ?? []).map((account) => [account.id, account]));
      for (const id of resolved.accountIds) {
        const account = known.get(id) ?? (await this.#deps.store.getAccount(id));
        // An alias pointing at a deleted or disabled account skips it, like a list member that left.
        if (!account?.enabled) continue;
        if (account.quotaBytes > 0 && (account.usedBytes >= account.quotaBytes || account.usedBytes + incoming > account.quotaBytes)) {
          full.push(account);
          continue;
        }
        accounts.push(account);
      }
      const forward = [...resolved.remote];
      if (accounts.length === 0 && forward.length === 0) {
        if (full.length > 0) return refuse(toReplyError({ code: 'OVER_QUOTA' }));
        return refuse(toReplyError({ code: resolved.accountIds.length > 0 ? 'ACCOUNT_DISABLED' : 'UNKNOWN_USER' }));
      }
      // A list with a full member still delivers to the others; the full one is tried at commit
      // and, if still full, the sender gets a DSN for it rather than silence.
      accounts.push(...full);
      if (accounts.length > 0) this.#recipients.set(address, accounts);
      return forward.length > 0 ? { ok: true, forward } : { ok: true };
    } catch (err) {
      this.#deps.log?.error({ err: errorSummary(err), address }, 'recipient lookup failed');
      return refuse(temporary(err));
    }
  }

  body(message: Uint8Array, info?: MessageInfo): void {
    this.#message = message;
    this.#info = info ?? {};
  }

  /** The analysis, or none when the analyzer fails: the store then tries itself (and keeps a body it cannot parse). */
  #analyze(body: Uint8Array): BodyAnalysis | undefined {
    try {
      return this.#deps.analyze?.(body);
    } catch {
      return undefined;
    }
  }

  async commit(): Promise<CommitResult> {
    if (this.#done) return { ok: false, error: toReplyError(new Error('transaction finished')) };
    this.#done = true;
    const message = this.#message;
    if (!message) return { ok: false, error: toReplyError(new Error('commit without body')) };
    if (this.#recipients.size === 0) return { ok: true, ids: [], failed: [] };

    const score = this.#info.score ?? 0;
    // One copy per account even when several envelope recipients reach it (alias + direct).
    const byAccount = new Map<string, { account: Account; addresses: string[] }>();
    for (const [address, accounts] of this.#recipients) {
      for (const account of accounts) {
        const entry = byAccount.get(account.id) ?? { account, addresses: [] };
        entry.addresses.push(address);
        byAccount.set(account.id, entry);
      }
    }
    const envelopeRecipients = [...this.#recipients.keys()];
    const header = encoder.encode(
      receivedHeader(this.#envelope, { hostname: this.#deps.hostname, recipients: envelopeRecipients, now: this.#deps.now() }),
    );
    const body = new Uint8Array(header.length + message.length);
    body.set(header, 0);
    body.set(message, header.length);

    const recipients = [...byAccount.values()].map(({ account }) => {
      const threshold = account.junkThreshold ?? 0;
      const junk = threshold > 0 && score > threshold;
      return junk ? { accountId: account.id, mailbox: JUNK } : { accountId: account.id };
    });
    try {
      const analysis = this.#analyze(body);
      const result = await this.#deps.store.deliver({
        recipients,
        body,
        internalDate: this.#deps.now(),
        ...(analysis === undefined ? {} : { analysis }),
      });
      const overQuota = new Set(result.overQuota);
      const failed: Array<{ address: string; error: ReplyError }> = [];
      for (const [id, entry] of byAccount) {
        if (overQuota.has(id) || overQuota.has(entry.account.address)) {
          for (const address of entry.addresses) failed.push({ address, error: toReplyError({ code: 'OVER_QUOTA' }) });
        }
      }
      if (result.copies.length === 0) return { ok: false, error: toReplyError({ code: 'OVER_QUOTA' }) };
      // The client hears 250 for the message, so those that could not take it after all hear back by DSN.
      if (failed.length > 0) await this.#bounce(body, failed);
      this.#deps.log?.info(
        { messageId: this.#envelope.messageId, blobId: result.blobId, size: result.size, copies: result.copies.length },
        'delivered locally',
      );
      return { ok: true, ids: [result.blobId], failed };
    } catch (err) {
      this.#deps.log?.error({ err: errorSummary(err), messageId: this.#envelope.messageId }, 'local delivery failed');
      return { ok: false, error: temporary(err) };
    }
  }

  // A mailbox that filled up between RCPT and commit: tell the sender, as a
  // bounce that never bounces (null sender). A failure here is logged only:
  // the copies that were delivered stay delivered.
  async #bounce(body: Uint8Array, failed: ReadonlyArray<{ address: string; error: ReplyError }>): Promise<void> {
    const { store, hostname, now, log } = this.#deps;
    const from = this.#envelope.from;
    if (from === '') return;
    try {
      const dsn = buildDsn({
        reportingMta: hostname,
        queueId: this.#envelope.messageId,
        to: from,
        arrivalDate: now(),
        recipients: failed.map((f) => ({
          address: f.address,
          action: 'failed' as const,
          status: '5.2.2',
          diagnostic: `${f.error.smtp} ${f.error.enhanced} ${f.error.text}`,
        })),
        originalHeaders: headerBlock(body),
        now: now(),
        uniqueId: randomBytes(9).toString('hex'),
      });
      await sendNotice(store, from, dsn, { bounceFor: this.#envelope.messageId });
    } catch (err) {
      log?.error({ err: errorSummary(err), messageId: this.#envelope.messageId }, 'could not bounce recipients that failed at commit');
    }
  }

  abort(): void {
    this.#done = true;
    this.#message = undefined;
    this.#recipients.clear();
  }
}

function refuse(error: ReplyError): RecipientResult {
  return { ok: false, error };
}

// Storage trouble at this point is never the sender's fault: whatever the
// cause, the answer must let the client retry.
function temporary(err: unknown): ReplyError {
  const reply = toReplyError(err);
  return reply.temporary ? reply : toReplyError({ code: 'STORAGE_FAILURE' });
}

/** What of an error may go to the log: its code and message, never a payload. */
export function errorSummary(err: unknown): { code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
  }
  return { message: String(err) };
}
