// The queue runner as a Service (listener name 'queue', no socket). It runs a
// pass when it starts (picking up whatever a crash left behind), whenever the
// queue changes in the store (a new message, an admin retry), and otherwise
// sleeps until the earliest retry is due — at most `pollMs`, so a clock jump
// or a missed event costs a minute, not a day.

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { createMailCounterReporter } from '../../admin/mail-counters.ts';
import { DnsResolver } from '../../net/resolver.ts';
import type { ListenerContext, Logger, Service } from '../../supervisor/service.ts';
import { errorSummary } from '../local.ts';
import { QueueRunner, type RunnerOptions, type RunSummary } from './runner.ts';

/** The timer the scheduler sleeps on; injectable so tests see the waits it picks. */
export interface TimerApi {
  /** Call `fn` once after `ms`; returns a handle for clear(). */
  set(fn: () => void, ms: number): unknown;
  /** Cancel a timer set() returned; a fired or cleared one is ignored. */
  clear(handle: unknown): void;
}

const realTimers: TimerApi = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SchedulerOptions {
  /** Longest sleep between passes. */
  readonly pollMs?: number;
  /** Sleep after a pass in which an item could not be processed (storage trouble), so it is not hammered. */
  readonly errorBackoffMs?: number;
  readonly timers?: TimerApi;
  /** Called once the service has stopped (release what the runner used, e.g. cancel DNS lookups). */
  readonly onStop?: () => void;
}

/** What the scheduler needs from the store: the change feed. */
type Feed = Pick<ListenerContext['store'], 'subscribe'>;

export class QueueService implements Service {
  readonly #runner: QueueRunner;
  readonly #store: Feed;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #pollMs: number;
  readonly #errorBackoffMs: number;
  readonly #timers: TimerApi;
  readonly #onStop: (() => void) | undefined;
  #timer: unknown;
  /** The listing in progress; a kick meanwhile asks for one more listing after it. */
  #listing: Promise<void> | undefined;
  #again = false;
  /** Passes whose items are still being delivered (they overlap: new mail does not wait for old retries). */
  readonly #active = new Set<Promise<RunSummary>>();
  #stopped = true;
  #unsubscribe: (() => void) | undefined;
  /** Resolvers of waitIdle() calls. */
  #idleWaiters: Array<() => void> = [];
  #lastSummary: RunSummary | undefined;

  constructor(runner: QueueRunner, store: Feed, log: Logger, now: () => number, options: SchedulerOptions = {}) {
    this.#runner = runner;
    this.#store = store;
    this.#log = log;
    this.#now = now;
    this.#pollMs = options.pollMs ?? 60_000;
    this.#errorBackoffMs = options.errorBackoffMs ?? 30_000;
    this.#timers = options.timers ?? realTimers;
    this.#onStop = options.onStop;
  }

  /** Subscribe to queue changes and run the first pass; resolves at once (the first pass runs in the background). */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#unsubscribe = this.#store.subscribe((event) => {
      if (event.type === 'queue-changed') this.kick();
    });
    this.kick();
  }

  /** Look for due items now (or right after the listing in progress). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#listing) {
      this.#again = true;
      return;
    }
    this.#listing = this.#list();
  }

  /** The summary of the last finished pass (for status and tests). */
  get lastSummary(): RunSummary | undefined {
    return this.#lastSummary;
  }

  /** Resolves when nothing is being listed or delivered. */
  waitIdle(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    return this.#listing === undefined && this.#active.size === 0;
  }

  async #list(): Promise<void> {
    try {
      const { done } = await this.#runner.dispatch();
      this.#active.add(done);
      void done.then(
        (summary) => this.#passDone(done, summary),
        (err: unknown) => this.#passDone(done, undefined, err),
      );
    } catch (err) {
      this.#log.error({ err: errorSummary(err) }, 'queue pass failed');
      this.#schedule(undefined);
    }
    this.#listing = undefined;
    if (this.#again && !this.#stopped) {
      this.#again = false;
      this.kick();
      return;
    }
    this.#again = false;
    this.#wakeIdle();
  }

  #passDone(pass: Promise<RunSummary>, summary: RunSummary | undefined, err?: unknown): void {
    this.#active.delete(pass);
    if (summary !== undefined) {
      this.#lastSummary = summary;
      if (summary.attempted + summary.bounces + summary.removed + summary.errors > 0) this.#log.debug({ ...summary }, 'queue pass');
    } else {
      this.#log.error({ err: errorSummary(err) }, 'queue pass failed');
    }
    // The summary was computed after this pass ended, from the store: it is the freshest view of what is due next.
    this.#schedule(summary);
    this.#wakeIdle();
  }

  #wakeIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #schedule(summary: RunSummary | undefined): void {
    if (this.#stopped) return;
    let wait = this.#pollMs;
    if (summary?.nextDueAt !== undefined) wait = Math.min(this.#pollMs, Math.max(0, summary.nextDueAt - this.#now()));
    if (summary === undefined || summary.errors > 0) wait = Math.max(wait, this.#errorBackoffMs);
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      this.kick();
    }, wait);
  }

  /** Stop scheduling; let running deliveries finish until the deadline, then cut their connections (the attempts become temporary failures). */
  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    try {
      await this.#drain(deadline);
    } finally {
      this.#onStop?.();
    }
  }

  async #drain(deadline: number): Promise<void> {
    const everything = async () => {
      await this.#listing;
      await Promise.allSettled([...this.#active]);
    };
    if (this.#idle()) return;
    const left = Math.max(0, deadline - Date.now() - 200);
    let handle: ReturnType<typeof setTimeout> | undefined;
    const all = everything();
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        handle = setTimeout(() => resolve(true), left);
      }),
    ]);
    if (handle !== undefined) clearTimeout(handle);
    if (timedOut) {
      this.#runner.closeConnections();
      // The cut connections settle their attempts promptly; the results are still recorded.
      let grace: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((resolve) => (grace = setTimeout(resolve, 150)))]);
      if (grace !== undefined) clearTimeout(grace);
    }
  }
}

/** Options a deployment may set for the 'queue' listener (ctx.options); all optional. */
export interface QueueListenerOptions {
  /** Port of remote MX hosts (25); dev setups point it at a local test server. */
  readonly mxPort?: number;
  /** PEM file of extra CAs trusted for the smarthost (a private relay). */
  readonly smarthostCaFile?: string;
  /** Longest sleep between passes, ms. */
  readonly pollMs?: number;
}

function readListenerOptions(options: Readonly<Record<string, unknown>> | undefined): QueueListenerOptions {
  const o = options ?? {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
  const out: { mxPort?: number; smarthostCaFile?: string; pollMs?: number } = {};
  const mxPort = num(o['mxPort']);
  if (mxPort !== undefined) out.mxPort = mxPort;
  if (typeof o['smarthostCaFile'] === 'string') out.smarthostCaFile = o['smarthostCaFile'];
  const pollMs = num(o['pollMs']);
  if (pollMs !== undefined) out.pollMs = pollMs;
  return out;
}

/** A resolver that follows the dns.servers setting, rebuilt only when it changes. */
export function settingsResolver(resolver: DnsResolver = new DnsResolver()): RunnerOptions['resolverFor'] {
  let key = '';
  return (servers) => {
    const next = servers.join(',');
    if (next !== key) {
      resolver.update({ servers });
      key = next;
    }
    return resolver;
  };
}

/** Build the queue Service for the supervisor. */
export function createService(ctx: ListenerContext): QueueService {
  const opts = readListenerOptions(ctx.options);
  const log = ctx.log.child({ component: 'queue' });
  const smarthostTls: ConnectionOptions | undefined =
    opts.smarthostCaFile === undefined ? undefined : { ca: readFileSync(opts.smarthostCaFile, 'utf8') };
  const resolver = new DnsResolver();
  const counters = createMailCounterReporter();
  const runner = new QueueRunner({
    store: ctx.store,
    hostname: ctx.hostname,
    now: ctx.now,
    log,
    dev: ctx.dev,
    resolverFor: settingsResolver(resolver),
    count: (kind) => counters.count(kind),
    ...(opts.mxPort === undefined ? {} : { mxPort: opts.mxPort }),
    ...(smarthostTls === undefined ? {} : { smarthostTls }),
  });
  // Lookups still in flight at stop are abandoned rather than waited for.
  const onStop = () => {
    resolver.cancel();
    counters.close();
  };
  return new QueueService(runner, ctx.store, log, ctx.now, opts.pollMs === undefined ? { onStop } : { pollMs: opts.pollMs, onStop });
}
