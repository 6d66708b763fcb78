// The physical-presence gate for claiming a new box and for recovering the
// admin password: the browser gives the new admin password, the box waits for
// a short press of its button (through the daemon's front panel), and only
// then is the password stored (hashed, by the admin action) and this browser's
// session made an admin session. One browser waits at a time, so a press
// confirms exactly the request the person at the box can see on their screen.

import { checkPasswordStrength } from '../../firmware/store/password.ts';
import type { Logger } from '../../firmware/supervisor/service.ts';
import type { PresenceState } from '../api-types.ts';
import type { AdminCaller } from './deps.ts';
import { ApiFailure } from './errors.ts';
import type { Claim, Session } from './sessions.ts';

export interface PresenceGate {
  /** WEAK_PASSWORD naming `password` unless it is strong enough for the admin. */
  check(password: string): void;
  /** Check the new admin password and remember it in the session (not stored yet). WEAK_PASSWORD names `password`. */
  begin(session: Session, kind: Claim['kind'], password: string): void;
  /** Ask the box for a press for this session's claim. PRESENCE_PENDING while another browser waits. */
  request(session: Session): void;
  /** The claim's presence as of now (a waiting one past its deadline reads 'expired'). */
  state(session: Session | undefined, kind: Claim['kind']): { presence: PresenceState; expiresAt?: number };
  /** Resolves when the session's pending request settles, or after `ms`. */
  settled(session: Session, ms: number): Promise<void>;
}

interface Waiting {
  readonly session: Session;
  readonly claim: Claim;
  readonly done: Promise<void>;
}

export function createPresenceGate(options: {
  admin: AdminCaller;
  now: () => number;
  timeoutMs: number;
  /** Called once a claim is confirmed and the password stored (cache invalidation). */
  onConfirmed: () => void;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}): PresenceGate {
  let waiting: Waiting | undefined;
  const isWaiting = (w: Waiting | undefined): w is Waiting =>
    w !== undefined && w.claim.presence === 'waiting' && (w.claim.expiresAt ?? 0) > options.now() && w.session.claim === w.claim;

  const run = async (session: Session, claim: Claim): Promise<void> => {
    let confirmed = false;
    try {
      const answer = (await options.admin.call(
        'presence.request',
        { timeoutMs: options.timeoutMs },
        { timeoutMs: options.timeoutMs + 15_000 },
      )) as {
        confirmed?: boolean;
      };
      confirmed = answer?.confirmed === true;
    } catch (err) {
      options.log?.warn({ err: String(err) }, 'presence request failed');
    }
    // The browser started over (a new password) while this request waited: it no longer counts.
    if (session.claim !== claim) return;
    if (!confirmed || claim.password === undefined) {
      // The password stays with the session, so "wait for the button again" needs no retyping.
      claim.presence = 'expired';
      return;
    }
    try {
      const result = (await options.admin.call('admin.password.set', { password: claim.password })) as { changedAt?: number };
      session.role = 'admin';
      session.username = 'admin';
      if (typeof result?.changedAt === 'number') session.adminStamp = result.changedAt;
      claim.presence = 'confirmed';
      options.onConfirmed();
      options.log?.info({ kind: claim.kind }, 'button pressed: admin password set');
    } catch (err) {
      claim.presence = 'expired';
      options.log?.error({ err: String(err) }, 'could not store the admin password');
    } finally {
      delete claim.password;
    }
  };

  const check = (password: string) => {
    const problem = checkPasswordStrength(password, 'admin');
    if (problem !== undefined) throw new ApiFailure(400, 'WEAK_PASSWORD', problem, 'password');
  };
  return {
    check,
    begin(session, kind, password) {
      check(password);
      session.claim = { kind, password, presence: 'idle' };
    },
    request(session) {
      const claim = session.claim;
      if (!claim || claim.password === undefined) {
        throw new ApiFailure(400, 'BAD_REQUEST', 'Choose the admin password first.', 'password');
      }
      if (isWaiting(waiting) && waiting.session !== session) {
        throw new ApiFailure(409, 'PRESENCE_PENDING', 'Someone else is waiting for the button right now. Try again in two minutes.');
      }
      if (isWaiting(waiting) && waiting.claim === claim) return;
      claim.presence = 'waiting';
      claim.expiresAt = options.now() + options.timeoutMs;
      waiting = { session, claim, done: run(session, claim) };
    },
    state(session, kind) {
      const claim = session?.claim;
      if (!claim || claim.kind !== kind) return { presence: 'idle' };
      if (claim.presence === 'waiting' && (claim.expiresAt ?? 0) <= options.now()) return { presence: 'expired' };
      return { presence: claim.presence, ...(claim.presence === 'waiting' && claim.expiresAt ? { expiresAt: claim.expiresAt } : {}) };
    },
    async settled(session, ms) {
      if (!waiting || waiting.session !== session) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([waiting.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
    },
  };
}
