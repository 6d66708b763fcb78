// DNSBL check of a connecting client. All zones are asked at once; each has
// timeoutMs to answer or it is skipped, so a DNS outage costs at most one
// timeout per connection and never stops mail. Answers are cached for their TTL
// (on the injected clock). A periodic probe asks every zone for 127.0.0.2 (must
// be listed) and 127.0.0.1 (must not be): a zone that answers wrongly — dead,
// refusing our resolver, or listing the world — is disabled until it answers
// correctly again.

import { formatIp, type IpAddress, parseIp, reverseName } from '../net/cidr.ts';
import type { AddressRecord, DnsAnswer, Resolver } from '../net/resolver.ts';
import { isResolverError } from '../net/resolver.ts';
import { TimeoutError, withTimeout } from '../net/with-timeout.ts';
import type { Logger } from '../supervisor/service.ts';
import {
  type AnswerReading,
  type DnsblConfig,
  type DnsblOptions,
  type DnsblZone,
  describeZoneError,
  normalizeDnsblOptions,
  readAnswer,
  zoneLink,
} from './dnsbl-zones.ts';
import { ACCEPT, reject, type ScoredResult, type Verdict } from './verdict.ts';

export interface DnsblListing {
  readonly zone: string;
  readonly weight: number;
  /** The counted answer codes, e.g. ["127.0.0.2", "127.0.0.4"]. */
  readonly codes: readonly string[];
  /** The zone's TXT text for this listing, when asked for and answered in time. */
  readonly reason?: string;
  readonly link?: string;
}

export type SkipReason = 'timeout' | 'failure' | 'zone-error' | 'disabled';

export interface DnsblSkip {
  readonly zone: string;
  readonly why: SkipReason;
  readonly detail?: string;
}

export interface DnsblResult {
  /** The client address in canonical form (IPv4 for a mapped address). */
  readonly ip: string;
  /** allowed: on the allow-list, no zone asked. invalid: not an IP address. */
  readonly status: 'checked' | 'allowed' | 'invalid';
  readonly score: number;
  readonly threshold: number;
  /** score >= threshold. */
  readonly listed: boolean;
  readonly listings: readonly DnsblListing[];
  readonly skipped: readonly DnsblSkip[];
  /** accept, or reject 554 5.7.1 naming the zones and their lookup links. */
  readonly verdict: Verdict;
}

export interface ZoneStats {
  readonly zone: string;
  readonly enabled: boolean;
  readonly disabledReason?: string;
  readonly queries: number;
  readonly cacheHits: number;
  readonly listed: number;
  readonly timeouts: number;
  readonly failures: number;
  readonly zoneErrors: number;
  readonly lastProblem?: { readonly at: number; readonly detail: string };
  readonly lastProbe?: { readonly at: number; readonly ok: boolean; readonly detail: string };
}

/** Counters for the web UI; plain data. */
export interface DnsblStats {
  readonly checked: number;
  readonly allowed: number;
  readonly listed: number;
  readonly errors: number;
  readonly zones: readonly ZoneStats[];
}

export interface ProbeOutcome {
  readonly zone: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Repeats fn every ms; returns a cancel function. Injected so tests drive the probe. */
export type ScheduleEvery = (fn: () => void, ms: number) => () => void;

export interface DnsblDeps {
  readonly resolver: Resolver;
  readonly now?: () => number;
  readonly log?: Logger;
  readonly schedule?: ScheduleEvery;
}

interface CachedAnswer {
  readonly expiresAt: number;
  /** Raw A answers (empty for NXDOMAIN/NODATA): read against the zone's current codes on use. */
  readonly addresses: readonly string[];
  readonly reason?: string;
}

interface CachedHost {
  readonly expiresAt: number;
  readonly addresses: readonly IpAddress[];
}

interface MutableZoneStats {
  queries: number;
  cacheHits: number;
  listed: number;
  timeouts: number;
  failures: number;
  zoneErrors: number;
  enabled: boolean;
  disabledReason?: string;
  lastProblem?: { at: number; detail: string };
  lastProbe?: { at: number; ok: boolean; detail: string };
}

const MAX_CACHE = 20_000;
const MAX_TTL_SEC = 86_400;
const MAX_REASON = 200;

const everyWithSetInterval: ScheduleEvery = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silent;
  },
};

export class DnsblChecker {
  private config: DnsblConfig;
  private readonly resolver: Resolver;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly schedule: ScheduleEvery;
  private readonly cache = new Map<string, CachedAnswer>();
  private readonly inflight = new Map<string, Promise<CachedAnswer>>();
  private readonly hosts = new Map<string, CachedHost>();
  private readonly zoneStats = new Map<string, MutableZoneStats>();
  private counters = { checked: 0, allowed: 0, listed: 0 };
  private cancelProbe: (() => void) | undefined;

  constructor(options: DnsblOptions, deps: DnsblDeps) {
    this.config = normalizeDnsblOptions(options);
    this.resolver = deps.resolver;
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? silent;
    this.schedule = deps.schedule ?? everyWithSetInterval;
    this.syncZoneStats();
  }

  /** Replace the settings at runtime; throws BAD_SETTING and keeps the old ones when invalid. */
  update(options: DnsblOptions): void {
    const next = normalizeDnsblOptions(options);
    const reschedule = this.cancelProbe !== undefined && next.probeIntervalMs !== this.config.probeIntervalMs;
    this.config = next;
    this.syncZoneStats();
    // Host entries that left the allow-list must stop allowing at once.
    for (const host of this.hosts.keys()) if (!next.allowHosts.includes(host)) this.hosts.delete(host);
    if (reschedule) {
      this.stop();
      this.start();
    }
  }

  /** The current settings, normalised. */
  get settings(): DnsblConfig {
    return this.config;
  }

  /** Run the zone probe now and then every probeIntervalMs until stop(). */
  start(): void {
    if (this.cancelProbe !== undefined) return;
    const run = () => {
      this.probe().catch((err: unknown) => this.log.error({ err }, 'DNSBL probe failed'));
    };
    this.cancelProbe = this.schedule(run, this.config.probeIntervalMs);
    run();
  }

  /** Stop the periodic probe. */
  stop(): void {
    this.cancelProbe?.();
    this.cancelProbe = undefined;
  }

  /** Check a client address against every enabled zone; never rejects (failures skip zones). */
  async check(clientIp: string): Promise<DnsblResult> {
    const cfg = this.config;
    const ip = parseIp(clientIp);
    if (ip === undefined) {
      return {
        ip: clientIp,
        status: 'invalid',
        score: 0,
        threshold: cfg.threshold,
        listed: false,
        listings: [],
        skipped: [],
        verdict: ACCEPT,
      };
    }
    const ipText = formatIp(ip);
    if (await this.isAllowed(ip)) {
      this.counters.allowed++;
      return {
        ip: ipText,
        status: 'allowed',
        score: 0,
        threshold: cfg.threshold,
        listed: false,
        listings: [],
        skipped: [],
        verdict: ACCEPT,
      };
    }
    this.counters.checked++;
    const name = reverseName(ip);
    const outcomes = await Promise.all(cfg.zones.map((zone) => this.checkZone(zone, name, ipText)));
    const listings: DnsblListing[] = [];
    const skipped: DnsblSkip[] = [];
    for (const o of outcomes) {
      if (o === undefined) continue;
      if ('why' in o) skipped.push(o);
      else listings.push(o);
    }
    const score = listings.reduce((sum, l) => sum + l.weight, 0);
    const listed = listings.length > 0 && score >= cfg.threshold;
    if (listed) {
      this.counters.listed++;
      this.log.info({ ip: ipText, score, listings }, 'client listed by DNSBL');
    }
    const verdict = listed ? listedVerdict(ipText, listings) : ACCEPT;
    return { ip: ipText, status: 'checked', score, threshold: cfg.threshold, listed, listings, skipped, verdict };
  }

  /** A DNSBL result as a scored filter result, for the Junk rule (score = sum of weights). */
  static scored(result: DnsblResult): ScoredResult {
    return {
      filter: 'dnsbl',
      verdict: result.verdict,
      score: result.score,
      reasons: result.listings.map((l) => `${l.zone} ${l.codes.join(',')}`),
    };
  }

  private async checkZone(zone: DnsblZone, name: string, ipText: string): Promise<DnsblListing | DnsblSkip | undefined> {
    const stats = this.statsOf(zone.zone);
    if (!stats.enabled) return { zone: zone.zone, why: 'disabled', detail: stats.disabledReason };
    let answer: CachedAnswer;
    try {
      answer = await this.lookup(zone, `${name}.${zone.zone}`, stats);
    } catch (err) {
      const timeout = err instanceof TimeoutError || isResolverError(err, 'ETIMEOUT');
      if (timeout) stats.timeouts++;
      else stats.failures++;
      const detail = err instanceof Error ? err.message : String(err);
      stats.lastProblem = { at: this.now(), detail };
      this.log.warn({ zone: zone.zone, ip: ipText, err: detail }, 'DNSBL zone skipped');
      return { zone: zone.zone, why: timeout ? 'timeout' : 'failure', detail };
    }
    const reading = readAnswer(zone, answer.addresses);
    if (reading.kind === 'clean') return undefined;
    if (reading.kind === 'zone-error') {
      stats.zoneErrors++;
      const detail = reading.codes.map((c) => `${c} (${describeZoneError(c)})`).join(', ');
      stats.lastProblem = { at: this.now(), detail };
      this.log.warn({ zone: zone.zone, ip: ipText, codes: reading.codes }, `DNSBL zone problem: ${detail}`);
      return { zone: zone.zone, why: 'zone-error', detail };
    }
    stats.listed++;
    const link = zoneLink(zone, ipText);
    return {
      zone: zone.zone,
      weight: zone.weight,
      codes: reading.codes,
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      ...(link === undefined ? {} : { link }),
    };
  }

  // One query per name while it is cached or in flight, however many sessions ask.
  private lookup(zone: DnsblZone, qname: string, stats: MutableZoneStats): Promise<CachedAnswer> {
    const hit = this.cache.get(qname);
    if (hit !== undefined && hit.expiresAt > this.now()) {
      stats.cacheHits++;
      return Promise.resolve(hit);
    }
    if (hit !== undefined) this.cache.delete(qname);
    const pending = this.inflight.get(qname);
    if (pending !== undefined) return pending;
    stats.queries++;
    const p = this.query(zone, qname).finally(() => this.inflight.delete(qname));
    this.inflight.set(qname, p);
    return p;
  }

  private async query(zone: DnsblZone, qname: string): Promise<CachedAnswer> {
    const cfg = this.config;
    const started = this.now();
    const answer: DnsAnswer<AddressRecord> = await withTimeout(this.resolver.resolve4(qname), cfg.timeoutMs, `DNSBL ${qname}`);
    const addresses = answer.records.map((r) => r.address);
    const ttlSec = answer.status === 'ok' ? Math.min(MAX_TTL_SEC, ...answer.records.map((r) => r.ttl)) : cfg.negativeTtlSec;
    let reason: string | undefined;
    // The TXT reason is worth one more query only when the client is listed, and only in the time left.
    if (cfg.fetchReason && readAnswer(zone, addresses).kind === 'listed') {
      const left = cfg.timeoutMs - (this.now() - started);
      if (left > 0) reason = await this.reasonOf(qname, left);
    }
    const entry: CachedAnswer = { expiresAt: this.now() + ttlSec * 1000, addresses, ...(reason === undefined ? {} : { reason }) };
    if (ttlSec > 0) {
      if (this.cache.size >= MAX_CACHE) this.evict();
      this.cache.set(qname, entry);
    }
    return entry;
  }

  private async reasonOf(qname: string, ms: number): Promise<string | undefined> {
    try {
      const txt = await withTimeout(this.resolver.resolveTxt(qname), ms, `DNSBL TXT ${qname}`);
      const text = txt.records.map((r) => r.join('')).join(' ');
      // Zone text goes into a reply line: printable ASCII only, bounded.
      const clean = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
      return clean === '' ? undefined : clean.slice(0, MAX_REASON);
    } catch {
      return undefined;
    }
  }

  private evict(): void {
    const now = this.now();
    for (const [k, v] of this.cache) if (v.expiresAt <= now) this.cache.delete(k);
    // Still full: drop the oldest quarter (Map keeps insertion order).
    if (this.cache.size >= MAX_CACHE) {
      let n = Math.ceil(MAX_CACHE / 4);
      for (const k of this.cache.keys()) {
        if (n-- <= 0) break;
        this.cache.delete(k);
      }
    }
  }

  private async isAllowed(ip: IpAddress): Promise<boolean> {
    const cfg = this.config;
    if (cfg.allowNets.contains(ip)) return true;
    if (cfg.allowHosts.length === 0) return false;
    const lists = await Promise.all(cfg.allowHosts.map((h) => this.hostAddresses(h)));
    const want = formatIp(ip);
    return lists.some((addrs) => addrs.some((a) => formatIp(a) === want));
  }

  private async hostAddresses(host: string): Promise<readonly IpAddress[]> {
    const cached = this.hosts.get(host);
    if (cached !== undefined && cached.expiresAt > this.now()) return cached.addresses;
    const cfg = this.config;
    const [a, aaaa] = await Promise.allSettled([
      withTimeout(this.resolver.resolve4(host), cfg.timeoutMs, `allow ${host}`),
      withTimeout(this.resolver.resolve6(host), cfg.timeoutMs, `allow ${host}`),
    ]);
    const answers = [a, aaaa].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const addresses = answers.flatMap((ans) => ans.records.flatMap((r) => parseIp(r.address) ?? []));
    const ttls = answers.flatMap((ans) => ans.records.map((r) => r.ttl));
    if (a.status === 'rejected' && aaaa.status === 'rejected') {
      // Unknown for now: not allowed this time, asked again next time.
      this.log.warn({ host, err: String(a.reason) }, 'DNSBL allow-list host did not resolve');
      return cached?.addresses ?? [];
    }
    const ttlSec = ttls.length > 0 ? Math.min(MAX_TTL_SEC, ...ttls) : cfg.negativeTtlSec;
    this.hosts.set(host, { expiresAt: this.now() + ttlSec * 1000, addresses });
    return addresses;
  }

  /** Probe every zone once (127.0.0.2 must be listed, 127.0.0.1 must not); enables/disables zones. */
  async probe(): Promise<ProbeOutcome[]> {
    return Promise.all(this.config.zones.map((zone) => this.probeZone(zone)));
  }

  private async probeZone(zone: DnsblZone): Promise<ProbeOutcome> {
    const cfg = this.config;
    const ask = async (ip: string): Promise<AnswerReading | string> => {
      try {
        const ans = await withTimeout(this.resolver.resolve4(`${ip}.${zone.zone}`), cfg.timeoutMs, `probe ${zone.zone}`);
        return readAnswer(
          zone,
          ans.records.map((r) => r.address),
        );
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    };
    const [positive, negative] = await Promise.all([ask('2.0.0.127'), ask('1.0.0.127')]);
    const problems: string[] = [];
    if (typeof positive === 'string') problems.push(`127.0.0.2: ${positive}`);
    else if (positive.kind !== 'listed') problems.push(`127.0.0.2 not listed${codesText(positive)}`);
    if (typeof negative === 'string') problems.push(`127.0.0.1: ${negative}`);
    else if (negative.kind !== 'clean') problems.push(`127.0.0.1 listed or erroneous${codesText(negative)}`);
    const ok = problems.length === 0;
    const detail = ok ? 'answers correctly' : problems.join('; ');
    const stats = this.statsOf(zone.zone);
    if (stats.enabled && !ok) this.log.warn({ zone: zone.zone, detail }, 'DNSBL zone disabled: probe answered wrongly');
    if (!stats.enabled && ok) this.log.info({ zone: zone.zone }, 'DNSBL zone enabled again: probe answered correctly');
    stats.enabled = ok;
    if (ok) delete stats.disabledReason;
    else stats.disabledReason = detail;
    stats.lastProbe = { at: this.now(), ok, detail };
    return { zone: zone.zone, ok, detail };
  }

  /** Counters and zone states for the web UI. */
  stats(): DnsblStats {
    const zones = this.config.zones.map((z) => {
      const s = this.statsOf(z.zone);
      return { zone: z.zone, ...structuredClone(s) };
    });
    const errors = zones.reduce((sum, z) => sum + z.timeouts + z.failures + z.zoneErrors, 0);
    return { ...this.counters, errors, zones };
  }

  private statsOf(zone: string): MutableZoneStats {
    let s = this.zoneStats.get(zone);
    if (s === undefined) {
      s = { queries: 0, cacheHits: 0, listed: 0, timeouts: 0, failures: 0, zoneErrors: 0, enabled: true };
      this.zoneStats.set(zone, s);
    }
    return s;
  }

  // Zones keep their counters and probe state across updates; removed zones are forgotten.
  private syncZoneStats(): void {
    const names = new Set(this.config.zones.map((z) => z.zone));
    for (const z of this.zoneStats.keys()) if (!names.has(z)) this.zoneStats.delete(z);
    for (const z of names) this.statsOf(z);
  }
}

function codesText(r: AnswerReading): string {
  return r.kind === 'clean' ? '' : ` (${r.codes.join(', ')})`;
}

/** "554 5.7.1 Service unavailable; client [ip] blocked using zone (see link)". */
function listedVerdict(ip: string, listings: readonly DnsblListing[]): Verdict {
  const parts = listings.map((l) => (l.link === undefined ? l.zone : `${l.zone} (see ${l.link})`));
  return reject(`Service unavailable; client [${ip}] blocked using ${parts.join(', ')}`, 554, '5.7.1');
}
