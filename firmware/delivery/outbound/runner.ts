// The queue runner: one pass over the queue in the store. Every pass re-reads
// the items, so the store is the only truth — a restart or kill -9 loses
// nothing that was acknowledged, it only repeats an attempt. Each step is
// written before the next one depends on it: attempt results, then the bounce
// (durable in a mailbox or the queue), then the record that it was sent, and
// only then is a finished item removed. A crash between two steps repeats a
// step (at worst one duplicate notice), never skips one.

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { isInlineBody } from '../../store/helpers.ts';
import type { MailStore, QueueItem, QueueRecipient } from '../../store/types.ts';
import type { Logger } from '../../supervisor/service.ts';
import { errorSummary } from '../local.ts';
import { delayNoticeDue, expiresAt, isExpired, nextAttemptAt, type RetryPolicy } from './backoff.ts';
import { buildDsn, type DsnAction, type DsnRecipient, headerBlock } from './dsn.ts';
import type { MxResolver } from './mx.ts';
import { sendNotice } from './notices.ts';
import { domainOf, localResult, type RecipientResult } from './reply.ts';
import { deliverDirect, deliverSmarthost, type RouteOptions } from './route.ts';
import { type OutboundSettings, readOutboundSettings } from './settings.ts';
import { bufferSource, type ClientTimeouts, DEFAULT_CLIENT_TIMEOUTS, type MessageSource } from './smtp-client.ts';

export interface RunnerOptions {
  readonly store: MailStore;
  /** This box's name: EHLO, Reporting-MTA, MAILER-DAEMON@. */
  readonly hostname: string;
  readonly now: () => number;
  readonly log: Logger;
  /** Dev mode (changes some setting defaults). */
  readonly dev?: boolean;
  /** A resolver for the configured DNS servers (empty list = the system's). */
  readonly resolverFor: (servers: readonly string[]) => MxResolver;
  /** Port of remote MX hosts; 25 unless a test points it elsewhere. */
  readonly mxPort?: number;
  readonly mxTls?: ConnectionOptions;
  readonly smarthostTls?: ConnectionOptions;
  readonly timeouts?: ClientTimeouts;
  readonly random?: () => number;
  /** First attempts delivered at once (4); the box is small and remote servers dislike floods. */
  readonly concurrency?: number;
  /** Retries delivered at once (as many as first attempts). */
  readonly retryConcurrency?: number;
  /** Bodies larger than this are streamed from the blob file instead of read into memory (1 MiB). */
  readonly streamAboveBytes?: number;
  /** Random part of DSN ids (injectable for repeatable tests). */
  readonly uniqueId?: () => string;
  /** The dashboard's mail counters: a recipient delivered to a remote host, a bounce (DSN) generated. */
  readonly count?: (kind: 'out' | 'bounced') => void;
}

/** Enough of a body for its header block (the DSN quotes the original headers). */
const HEAD_BYTES = 65_536;

/** What one pass did, for the log, the tests and the scheduler. */
export interface RunSummary {
  readonly attempted: number;
  readonly delivered: number;
  readonly deferred: number;
  readonly failed: number;
  readonly bounces: number;
  readonly delayNotices: number;
  readonly removed: number;
  readonly errors: number;
  /** Earliest nextAttemptAt among the items left, for the timer. */
  readonly nextDueAt?: number;
}

/** Per-recipient detail kept in item.meta.dsn for the DSN (the QueueRecipient fields are too thin for Remote-MTA). */
interface DsnNote {
  readonly status: string;
  readonly reply: string;
  readonly remoteMta?: string;
  readonly at: number;
}

interface Counters {
  attempted: number;
  delivered: number;
  deferred: number;
  failed: number;
  bounces: number;
  delayNotices: number;
  removed: number;
  errors: number;
}

function dsnNotes(item: QueueItem): Record<string, DsnNote> {
  const v = item.meta?.['dsn'];
  return typeof v === 'object' && v !== null ? { ...(v as Record<string, DsnNote>) } : {};
}

function bouncedSet(item: QueueItem): Set<string> {
  const v = item.meta?.['bounced'];
  return new Set(Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
}

/** Recipients grouped for one transaction each: per domain directly, all together to a smarthost. */
export function groupRecipients(addresses: readonly string[], viaSmarthost: boolean): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const a of addresses) {
    const key = viaSmarthost ? '*' : domainOf(a);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [a]);
    else list.push(a);
  }
  return groups;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** A counting semaphore: at most `size` tasks run at once, the rest wait in order. */
class Pool {
  readonly #size: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

/** What dispatch() started: how many items, and the summary once they are all done. */
export interface Dispatch {
  readonly count: number;
  readonly done: Promise<RunSummary>;
}

export class QueueRunner {
  readonly #o: RunnerOptions;
  readonly #inFlight = new Set<string>();
  readonly #connections = new Set<() => void>();
  /**
   * First attempts and retries have slots of their own, so a backlog of
   * retries to hosts that time out never holds up fresh mail.
   */
  readonly #fresh: Pool;
  readonly #retries: Pool;
  #closing = false;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#fresh = new Pool(options.concurrency ?? 4);
    this.#retries = new Pool(options.retryConcurrency ?? options.concurrency ?? 4);
  }

  /**
   * Cut every open SMTP connection and every one opened from now on (service
   * stop after its deadline), so a pass ends quickly instead of walking the
   * remaining MX hosts. The attempts end as temporary failures.
   */
  closeConnections(): void {
    this.#closing = true;
    for (const close of [...this.#connections]) close();
  }

  /** Process every due item once and wait for all of them. Never rejects for one item's failure (counted in `errors`). */
  async runOnce(): Promise<RunSummary> {
    return (await this.dispatch()).done;
  }

  /**
   * Take every due item that no other pass holds and start it in its pool;
   * resolves as soon as they are started. Overlapping dispatches are safe: an
   * item is in one pass at a time.
   */
  async dispatch(): Promise<Dispatch> {
    const settings = await readOutboundSettings(this.#o.store, { dev: this.#o.dev ?? false });
    const now = this.#o.now();
    const items = await this.#o.store.listQueue();
    const due = items.filter((i) => i.nextAttemptAt <= now && !this.#inFlight.has(i.id)).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    // Claimed before any await, so a concurrent dispatch cannot take them too.
    for (const item of due) this.#inFlight.add(item.id);
    const c: Counters = { attempted: 0, delivered: 0, deferred: 0, failed: 0, bounces: 0, delayNotices: 0, removed: 0, errors: 0 };
    const tasks = due.map((item) =>
      (item.attempts === 0 ? this.#fresh : this.#retries)
        .run(() => this.#process(item.id, settings, c))
        .catch((err: unknown) => {
          c.errors++;
          this.#o.log.error({ err: errorSummary(err), queueId: item.id }, 'queue item failed to process; will retry');
        })
        .finally(() => this.#inFlight.delete(item.id)),
    );
    const done = Promise.all(tasks).then(async (): Promise<RunSummary> => {
      // Items other passes still hold are left out: their own pass reports them when done.
      const left = (await this.#o.store.listQueue()).filter((i) => !this.#inFlight.has(i.id));
      const nextDueAt = left.reduce<number | undefined>(
        (m, i) => (m === undefined || i.nextAttemptAt < m ? i.nextAttemptAt : m),
        undefined,
      );
      return nextDueAt === undefined ? { ...c } : { ...c, nextDueAt };
    });
    return { count: due.length, done };
  }

  async #process(id: string, settings: OutboundSettings, c: Counters): Promise<void> {
    // Re-read: the item may have changed (admin retry/delete) since the listing.
    let item = await this.#o.store.getQueueItem(id);
    if (item === undefined) return;
    const now = this.#o.now();
    if (item.nextAttemptAt > now) return;
    const pending = item.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
    let head: Uint8Array | undefined;
    if (pending.length > 0) {
      const loaded = await this.#load(item);
      head = loaded?.head;
      c.attempted++;
      const results =
        loaded === undefined
          ? pending.map((a) => localResult(a, 'permanent', 554, '5.3.0', 'Message body missing from the store'))
          : await this.#attempt(item, pending, loaded.source, settings);
      item = await this.#record(item, results, settings.policy, c);
      if (item === undefined) return;
    }
    await this.#finish(item, head, settings.policy, c);
  }

  /**
   * The body to send and its head (for a DSN). Small bodies are read into
   * memory once for all transactions; large ones are streamed from the blob
   * file for each (blobs are immutable), so a few 25 MB messages in flight do
   * not fill a small box's memory. undefined when the body is gone.
   */
  async #load(item: QueueItem): Promise<{ source: MessageSource; head: Uint8Array } | undefined> {
    const store = this.#o.store;
    // bodies the store may keep in its database (isInlineBody) have no file to stream
    if (item.size <= (this.#o.streamAboveBytes ?? 1_048_576) || isInlineBody(item.size)) {
      const raw = await store.readBody(item.blobId);
      return raw === undefined ? undefined : { source: bufferSource(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)), head: raw };
    }
    const head = await store.readBody(item.blobId, 0, HEAD_BYTES);
    if (head === undefined) return undefined;
    const path = store.blobPath(item.blobId);
    // Unknown (a notice, an older item): declaring 8BITMIME for 7-bit data is harmless.
    const eightBit = item.meta?.['eightBit'] !== false;
    return { source: { size: item.size, eightBit, open: () => createReadStream(path) }, head };
  }

  async #attempt(item: QueueItem, pending: readonly string[], body: MessageSource, settings: OutboundSettings): Promise<RecipientResult[]> {
    const route: RouteOptions = {
      resolver: this.#o.resolverFor(settings.dnsServers),
      mxPort: this.#o.mxPort ?? 25,
      selfNames: [this.#o.hostname],
      client: {
        heloName: this.#o.hostname,
        timeouts: this.#o.timeouts ?? DEFAULT_CLIENT_TIMEOUTS,
        track: (close) => {
          if (this.#closing) queueMicrotask(close);
          this.#connections.add(close);
          return () => this.#connections.delete(close);
        },
      },
      ...(this.#o.mxTls === undefined ? {} : { mxTls: this.#o.mxTls }),
      ...(this.#o.smarthostTls === undefined ? {} : { smarthostTls: this.#o.smarthostTls }),
      ...(this.#o.random === undefined ? {} : { random: this.#o.random }),
    };
    const smarthost = settings.smarthost;
    const groups = [...groupRecipients(pending, smarthost !== undefined)];
    const perGroup = await mapLimit(groups, 3, async ([domain, to]) => {
      const results =
        smarthost === undefined
          ? await deliverDirect(domain, item.from, to, body, route)
          : await deliverSmarthost(smarthost, item.from, to, body, route);
      for (const r of results) {
        this.#o.log.info(
          { queueId: item.id, to: r.address, outcome: r.outcome, status: r.status, reply: r.reply, mta: r.remoteMta },
          'delivery attempt',
        );
      }
      return results;
    });
    return perGroup.flat();
  }

  /** Write the attempt's results (and the next attempt time) in one durable update. */
  async #record(item: QueueItem, results: readonly RecipientResult[], policy: RetryPolicy, c: Counters): Promise<QueueItem | undefined> {
    const now = this.#o.now();
    const expired = isExpired(item.createdAt, now, policy);
    const byAddress = new Map(results.map((r) => [r.address, r]));
    const notes = dsnNotes(item);
    const recipients: QueueRecipient[] = item.recipients.map((r) => {
      const res = byAddress.get(r.address);
      if (r.status !== 'pending' || res === undefined) return r;
      const note: DsnNote =
        res.remoteMta === undefined
          ? { status: res.status, reply: res.reply, at: now }
          : { status: res.status, reply: res.reply, remoteMta: res.remoteMta, at: now };
      notes[r.address] = note;
      const attempts = r.attempts + 1;
      if (res.outcome === 'delivered') {
        c.delivered++;
        this.#o.count?.('out');
        return { address: r.address, status: 'delivered', attempts, lastReply: res.reply };
      }
      if (res.outcome === 'permanent') {
        c.failed++;
        return { address: r.address, status: 'failed', attempts, lastError: res.reply, lastReply: res.reply };
      }
      if (expired) {
        // RFC 3463 4.4.7: the message stayed in the queue for its whole lifetime.
        c.failed++;
        notes[r.address] = { ...note, status: '4.4.7' };
        const lastError = `Gave up after ${Math.round(policy.lifetimeMs / 3_600_000)} hours; last error: ${res.reply}`;
        return { address: r.address, status: 'failed', attempts, lastError, lastReply: res.reply };
      }
      c.deferred++;
      return { address: r.address, status: 'pending', attempts, lastError: res.reply, lastReply: res.reply };
    });
    const attempts = item.attempts + 1;
    const stillPending = recipients.some((r) => r.status === 'pending');
    const next = stillPending ? nextAttemptAt(item.createdAt, now, attempts, policy) : now;
    return this.#o.store.updateQueueItem(item.id, {
      recipients,
      attempts,
      nextAttemptAt: next,
      meta: { ...(item.meta ?? {}), dsn: notes },
    });
  }

  /** Bounce newly failed recipients, send the delay notice once, remove the item when nothing is pending. */
  async #finish(item: QueueItem, head: Uint8Array | undefined, policy: RetryPolicy, c: Counters): Promise<void> {
    const bounced = bouncedSet(item);
    const toBounce = item.recipients.filter((r) => r.status === 'failed' && !bounced.has(r.address));
    const pending = item.recipients.filter((r) => r.status === 'pending');
    let current: QueueItem | undefined = item;
    if (toBounce.length > 0) {
      if (item.from === '') {
        // RFC 5321 §4.5.5: never bounce a bounce; the log is all that is left.
        this.#o.log.warn({ queueId: item.id, to: toBounce.map((r) => r.address) }, 'undeliverable notice dropped (null sender)');
      } else {
        await this.#notify(item, head, toBounce, 'failed', policy);
        c.bounces++;
        this.#o.count?.('bounced');
      }
      if (pending.length > 0) {
        const meta = { ...(item.meta ?? {}), bounced: [...bounced, ...toBounce.map((r) => r.address)] };
        current = await this.#o.store.updateQueueItem(item.id, { meta });
        if (current === undefined) return;
      }
    }
    if (pending.length > 0) {
      if (delayNoticeDue(current, this.#o.now(), policy)) {
        await this.#notify(current, head, pending, 'delayed', policy);
        c.delayNotices++;
        await this.#o.store.updateQueueItem(item.id, { delayNotified: true });
      }
      return;
    }
    await this.#o.store.removeQueueItem(item.id);
    c.removed++;
  }

  async #notify(
    item: QueueItem,
    head: Uint8Array | undefined,
    recipients: readonly QueueRecipient[],
    action: DsnAction,
    policy: RetryPolicy,
  ): Promise<void> {
    const raw = head ?? (await this.#o.store.readBody(item.blobId, 0, HEAD_BYTES));
    const notes = dsnNotes(item);
    const list: DsnRecipient[] = recipients.map((r) => {
      const note = notes[r.address];
      const status = note?.status ?? (action === 'delayed' ? '4.0.0' : '5.0.0');
      const diagnostic = note?.reply ?? r.lastReply ?? r.lastError;
      return {
        address: r.address,
        action,
        status: action === 'delayed' && status.startsWith('5') ? '4.0.0' : status,
        ...(note?.remoteMta === undefined ? {} : { remoteMta: note.remoteMta }),
        ...(diagnostic === undefined ? {} : { diagnostic }),
        ...(note?.at === undefined ? {} : { lastAttemptAt: note.at }),
      };
    });
    const uniqueId = this.#o.uniqueId?.() ?? randomUUID();
    const dsn = buildDsn({
      reportingMta: this.#o.hostname,
      queueId: item.id,
      to: item.from,
      arrivalDate: item.createdAt,
      recipients: list,
      originalHeaders: raw === undefined ? '' : headerBlock(raw),
      now: this.#o.now(),
      uniqueId,
      ...(action === 'delayed' ? { willRetryUntil: expiresAt(item.createdAt, policy) } : {}),
    });
    const outcome = await sendNotice(this.#o.store, item.from, dsn, { dsnFor: item.id, action });
    this.#o.log.info({ queueId: item.id, to: item.from, action, outcome }, action === 'failed' ? 'bounce sent' : 'delay notice sent');
  }
}
