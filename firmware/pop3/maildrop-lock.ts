// The POP3 maildrop lock (RFC 1939 section 8: one session per maildrop). The
// pop3 and pop3s listeners run in different worker threads, so the lock is a
// store lease: the store lives on the main thread and every listener reaches
// it. A session renews its lease well within the TTL; if its thread dies, the
// lease lapses by itself after the TTL.

import type { SetTimer } from '../net/timers.ts';
import type { MailStore } from '../store/types.ts';

export interface MaildropLockOptions {
  readonly store: Pick<MailStore, 'acquireLease' | 'releaseLease'>;
  readonly setTimer: SetTimer;
  /** How long a lease lasts without renewal. */
  readonly ttlMs?: number;
}

export interface HeldLock {
  /** Stop renewing and give the lease back. */
  release(): Promise<void>;
}

export const DEFAULT_LOCK_TTL_MS = 2 * 60_000;

export function leaseName(accountId: string): string {
  return `pop3-maildrop:${accountId}`;
}

/** Take the maildrop lock for `holder`; undefined when another session has it. */
export async function lockMaildrop(options: MaildropLockOptions, accountId: string, holder: string): Promise<HeldLock | undefined> {
  const ttl = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  const name = leaseName(accountId);
  if (!(await options.store.acquireLease(name, holder, ttl))) return undefined;
  let released = false;
  let cancel: () => void = () => undefined;
  const renew = () => {
    cancel = options.setTimer(Math.floor(ttl / 3), () => {
      if (released) return;
      // A failed renewal (store closing) just lets the lease lapse; the session ends soon anyway.
      void options.store
        .acquireLease(name, holder, ttl)
        .catch(() => false)
        .then(() => {
          if (!released) renew();
        });
    });
  };
  renew();
  return {
    async release() {
      if (released) return;
      released = true;
      cancel();
      await options.store.releaseLease(name, holder).catch(() => undefined);
    },
  };
}
