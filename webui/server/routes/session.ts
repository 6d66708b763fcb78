// Sign-in, sign-out, who am I, and changing one's own password (the one thing
// mail users may do here).

import type { FastifyInstance } from 'fastify';
import type { ChangePasswordRequest, LoginRequest, OkResponse, SessionInfo } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure, toApiError } from '../errors.ts';
import { sessionCookie } from '../sessions.ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

export async function sessionRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get('/api/session', { config: { access: 'public' } }, async (request): Promise<SessionInfo> => ctx.sessionInfo(request.session));

  app.get('/api/me', { config: { access: 'user' } }, async (request): Promise<SessionInfo> => ctx.sessionInfo(request.session));

  app.post<{ Body: LoginRequest }>(
    '/api/login',
    {
      config: { access: 'public' },
      schema: {
        body: { type: 'object', required: ['username', 'password'], properties: { username: text(320), password: text(1024) } },
      },
    },
    async (request, reply): Promise<SessionInfo> => {
      const state = await ctx.box.get();
      if (!state.setupDone) throw new ApiFailure(409, 'SETUP_REQUIRED', 'The box is not set up yet. Finish the setup first.');
      const key = request.ip;
      const wait = ctx.loginLimiter.retryAfter(key);
      if (wait > 0) {
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw new ApiFailure(
          429,
          'RATE_LIMITED',
          `Too many wrong passwords. Wait ${Math.ceil(wait / 60_000)} minute(s) and try again.`,
          'password',
        );
      }
      let who: { role: 'admin' | 'user'; username: string };
      try {
        who = (await ctx.deps.admin.call('auth.verify', {
          username: request.body.username,
          password: request.body.password,
        })) as typeof who;
      } catch (err) {
        const mapped = toApiError(err, { AUTH_FAILED: 'password' });
        if (mapped.body.error.code === 'AUTH_FAILED') {
          ctx.loginLimiter.fail(key);
          throw new ApiFailure(401, 'AUTH_FAILED', 'Wrong user name or password.', 'password');
        }
        throw new ApiFailure(mapped.status, mapped.body.error.code, mapped.body.error.message, mapped.body.error.field);
      }
      ctx.loginLimiter.clear(key);
      // A new id at sign-in, so an id seen before cannot be used to ride this session.
      const session = ctx.ensureSession(request, reply, true);
      session.role = who.role;
      session.username = who.username;
      delete session.claim;
      if (who.role === 'admin') {
        ctx.box.invalidate();
        const fresh = await ctx.box.get();
        if (fresh.adminChangedAt !== undefined) session.adminStamp = fresh.adminChangedAt;
      }
      ctx.deps.log?.info({ role: who.role, ip: request.ip }, 'web sign-in');
      return ctx.sessionInfo(session);
    },
  );

  app.post('/api/logout', { config: { access: 'public' } }, async (request, reply): Promise<OkResponse> => {
    if (request.session) ctx.sessions.destroy(request.session.id);
    reply.header('set-cookie', sessionCookie('', ctx.deps.secure));
    return { ok: true };
  });

  app.post<{ Body: ChangePasswordRequest }>(
    '/api/account/password',
    {
      config: { access: 'user' },
      schema: {
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          properties: { currentPassword: text(1024), newPassword: text(1024) },
        },
      },
    },
    async (request): Promise<OkResponse> => {
      const session = request.session!;
      await ctx.act(
        'auth.passwd',
        { username: session.username, ...request.body },
        { WEAK_PASSWORD: 'newPassword', AUTH_FAILED: 'currentPassword' },
      );
      if (session.role === 'admin') {
        // Other admin sessions end with the old password; this one goes on.
        ctx.box.invalidate();
        const fresh = await ctx.box.get();
        if (fresh.adminChangedAt !== undefined) session.adminStamp = fresh.adminChangedAt;
      }
      return { ok: true };
    },
  );
}
