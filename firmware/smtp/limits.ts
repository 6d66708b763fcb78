// Counters behind the SMTP limits: open connections per IP and in total,
// events per key in a sliding window (messages per minute per IP, failed
// logins per IP and per account). Each listener owns its own instances; time
// comes from the injected clock so tests never wait.

/** Open connections, per IP and in total. */
export class ConnectionCounter {
  readonly #perIp = new Map<string, number>();
  #total = 0;

  /** Count a new connection unless a limit is reached; says which one was. */
  acquire(ip: string, limits: { readonly perIp: number; readonly total: number }): 'ok' | 'per-ip' | 'total' {
    if (this.#total >= limits.total) return 'total';
    const n = this.#perIp.get(ip) ?? 0;
    if (n >= limits.perIp) return 'per-ip';
    this.#perIp.set(ip, n + 1);
    this.#total++;
    return 'ok';
  }

  /** Release a connection counted by acquire (once per successful acquire). */
  release(ip: string): void {
    const n = this.#perIp.get(ip) ?? 0;
    if (n <= 1) this.#perIp.delete(ip);
    else this.#perIp.set(ip, n - 1);
    if (this.#total > 0) this.#total--;
  }

  get total(): number {
    return this.#total;
  }
}

/** Timestamps of events per key within the last `windowMs`. */
export class SlidingWindow {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #events = new Map<string, number[]>();
  #lastSweep = 0;

  constructor(windowMs: number, now: () => number) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Record one event for the key; returns the count in the window including it. */
  hit(key: string): number {
    const now = this.#now();
    this.#sweep(now);
    const list = this.#live(key, now);
    list.push(now);
    this.#events.set(key, list);
    return list.length;
  }

  /** Events for the key in the window, without recording one. */
  count(key: string): number {
    return this.#live(key, this.#now()).length;
  }

  /** Forget a key (a successful login clears its failures). */
  clear(key: string): void {
    this.#events.delete(key);
  }

  #live(key: string, now: number): number[] {
    const list = this.#events.get(key);
    if (!list) return [];
    const from = now - this.#windowMs;
    let i = 0;
    while (i < list.length && (list[i] ?? 0) <= from) i++;
    if (i > 0) list.splice(0, i);
    if (list.length === 0) this.#events.delete(key);
    return list;
  }

  // Keys of clients that went away would otherwise stay forever; drop stale ones now and then.
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const key of [...this.#events.keys()]) this.#live(key, now);
  }
}

export interface AuthThrottleOptions {
  /** Failures per IP within the window before further attempts are refused. */
  readonly perIp: number;
  /** Failures per account within the window before further attempts are refused. */
  readonly perAccount: number;
  readonly windowMs: number;
}

/** Failed logins per IP and per account: brute force and password spraying. */
export class AuthThrottle {
  readonly #ip: SlidingWindow;
  readonly #account: SlidingWindow;

  constructor(windowMs: number, now: () => number) {
    this.#ip = new SlidingWindow(windowMs, now);
    this.#account = new SlidingWindow(windowMs, now);
  }

  /** True when a login attempt from this IP for this account must be refused without checking the password. */
  blocked(ip: string, account: string, limits: Pick<AuthThrottleOptions, 'perIp' | 'perAccount'>): boolean {
    return this.#ip.count(ip) >= limits.perIp || this.#account.count(account) >= limits.perAccount;
  }

  /** Record a failed attempt. */
  failed(ip: string, account: string): void {
    this.#ip.hit(ip);
    this.#account.hit(account);
  }

  /** A success clears the account's failures (not the IP's: a sprayer may know one password). */
  succeeded(account: string): void {
    this.#account.clear(account);
  }
}
