// What every route plugin gets: the deps, the session store, the box's web
// state (cached briefly, since every API request asks for it), the login
// limiter, and one helper to run an admin action with field hints.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebStateView } from '../../firmware/admin/web-actions.ts';
import type { SessionInfo } from '../api-types.ts';
import type { WebDeps } from './deps.ts';
import { ApiFailure, type FieldHints, toApiError } from './errors.ts';
import type { FailureLimiter } from './rate-limit.ts';
import { type Session, type SessionStore, sessionCookie } from './sessions.ts';

export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; default 'admin'. 'public' routes also skip the setup gate. */
    access?: Access;
    /** False only for routes mail clients post to (Outlook autodiscover). */
    csrf?: boolean;
  }
  interface FastifyRequest {
    /** The caller's session, if the cookie names a live one. */
    session: Session | undefined;
  }
}

export interface BoxState {
  /** The web state from the daemon, at most `maxAgeMs` old. */
  get(): Promise<WebStateView>;
  /** Forget the cached state (after setup, recovery, a password change). */
  invalidate(): void;
}

export function createBoxState(deps: Pick<WebDeps, 'admin' | 'now'>, maxAgeMs = 1000): BoxState {
  let cached: { at: number; value: Promise<WebStateView> } | undefined;
  return {
    get() {
      const t = deps.now();
      if (!cached || t - cached.at > maxAgeMs) {
        const value = deps.admin.call('web.state') as Promise<WebStateView>;
        cached = { at: t, value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export interface RouteContext {
  readonly deps: WebDeps;
  readonly sessions: SessionStore;
  readonly box: BoxState;
  readonly loginLimiter: FailureLimiter;
  /** Open event streams, ended when the server stops. */
  readonly streams: Set<() => void>;
  /** Run an admin action; a failure becomes the API error with `hints` naming fields by code. */
  act<T = unknown>(action: string, params?: Readonly<Record<string, unknown>>, hints?: FieldHints): Promise<T>;
  /** Give the request a session (creating one), set its cookie; rotates the id when `rotate`. */
  ensureSession(request: FastifyRequest, reply: FastifyReply, rotate?: boolean): Session;
  /** The SessionInfo body for this request. */
  sessionInfo(session: Session | undefined): Promise<SessionInfo>;
  /** True when the UI may press the simulated button (dev mode and a sim board). */
  simButton(): Promise<boolean>;
}

export function createRouteContext(deps: WebDeps, sessions: SessionStore, box: BoxState, loginLimiter: FailureLimiter): RouteContext {
  let simDriver: Promise<boolean> | undefined;
  const ctx: RouteContext = {
    deps,
    sessions,
    box,
    loginLimiter,
    streams: new Set(),
    async act<T>(action: string, params: Readonly<Record<string, unknown>> = {}, hints: FieldHints = {}): Promise<T> {
      try {
        return (await deps.admin.call(action, params)) as T;
      } catch (err) {
        const mapped = toApiError(err, hints);
        throw new ApiFailure(mapped.status, mapped.body.error.code, mapped.body.error.message, mapped.body.error.field);
      }
    },
    ensureSession(request, reply, rotate = false) {
      let session = request.session;
      if (!session) {
        session = sessions.create();
        request.session = session;
      } else if (rotate) {
        sessions.rotate(session);
      } else {
        return session;
      }
      reply.header('set-cookie', sessionCookie(session.id, deps.secure));
      return session;
    },
    async sessionInfo(session) {
      const state = await box.get();
      const signedIn = session?.role !== undefined;
      return {
        authenticated: signedIn,
        ...(signedIn ? { role: session.role!, username: session.username! } : {}),
        ...(session ? { csrfToken: session.csrf } : {}),
        setupDone: state.setupDone,
        dev: deps.dev,
        simButton: await ctx.simButton(),
        hostname: state.hostname,
      };
    },
    simButton() {
      if (!deps.dev) return Promise.resolve(false);
      simDriver ??= deps.admin
        .call('gpio.state')
        .then((s) => (s as { driver?: string }).driver === 'sim')
        .catch(() => {
          simDriver = undefined;
          return false;
        });
      return simDriver;
    },
  };
  return ctx;
}
