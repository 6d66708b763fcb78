// Sign-in sessions, kept in the web listener's memory: a restart of the daemon
// or of the web listener signs everybody out (documented in api.md). A session
// also carries an unfinished setup or password recovery (the "claim" waiting
// for the box's button), so only the browser that asked can finish it.

import { randomBytes } from 'node:crypto';
import type { PresenceState, Role } from '../api-types.ts';

export const SESSION_COOKIE = 'pochta_session';

export interface Claim {
  readonly kind: 'setup' | 'recovery';
  /** The new admin password, kept only until the press is confirmed (then stored hashed and dropped). */
  password?: string;
  presence: PresenceState;
  expiresAt?: number;
  /** The session id was changed after the confirmation (done once). */
  rotated?: boolean;
}

export interface Session {
  id: string;
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  role?: Role;
  username?: string;
  /** The admin credentials' changedAt when this admin signed in; a later change (reset, recovery) ends the session. */
  adminStamp?: number;
  claim?: Claim;
}

export interface SessionStore {
  /** A new session without a role (for setup and recovery) or with one. */
  create(): Session;
  /** The live session by id (touching it), or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined;
  /** Give a session a new id (after sign-in, against fixation); returns the new id. */
  rotate(session: Session): string;
  destroy(id: string): void;
  /** Every live session, for invalidation. */
  all(): Session[];
}

export function createSessionStore(options: { now: () => number; idleMs: number; absoluteMs: number; max?: number }): SessionStore {
  const sessions = new Map<string, Session>();
  const max = options.max ?? 1000;
  const newId = () => randomBytes(24).toString('base64url');
  const expired = (s: Session, t: number) => t - s.lastSeen > options.idleMs || t - s.createdAt > options.absoluteMs;
  const sweep = () => {
    const t = options.now();
    for (const [id, s] of sessions) if (expired(s, t)) sessions.delete(id);
    // Bound memory against a flood of anonymous sessions: drop the oldest.
    while (sessions.size >= max) {
      const oldest = sessions.keys().next().value;
      if (oldest === undefined) break;
      sessions.delete(oldest);
    }
  };
  return {
    create() {
      sweep();
      const t = options.now();
      const session: Session = { id: newId(), csrf: randomBytes(24).toString('base64url'), createdAt: t, lastSeen: t };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      const t = options.now();
      if (expired(session, t)) {
        sessions.delete(id);
        return undefined;
      }
      session.lastSeen = t;
      return session;
    },
    rotate(session) {
      sessions.delete(session.id);
      session.id = newId();
      sessions.set(session.id, session);
      return session.id;
    },
    destroy(id) {
      sessions.delete(id);
    },
    all: () => [...sessions.values()],
  };
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for the session cookie (an empty id clears it). */
export function sessionCookie(id: string, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (secure) attrs.push('Secure');
  if (id === '') attrs.push('Max-Age=0');
  return attrs.join('; ');
}
