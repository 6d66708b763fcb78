// First-boot setup and admin password recovery. Both prove physical presence
// with the box's button (presence.ts): nobody on the LAN can claim the box or
// take over the admin account without standing next to it.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RecoveryState, SessionInfo, SetupFinishRequest, SetupState } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';
import type { PresenceGate } from '../presence.ts';
import { sessionCookie } from '../sessions.ts';

const passwordBody = {
  type: 'object',
  required: ['password'],
  properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } },
};

export async function setupRoutes(app: FastifyInstance, ctx: RouteContext & { presence: PresenceGate }): Promise<void> {
  const publicRoute = { config: { access: 'public' as const } };

  /** After the press, this browser's session id changes (it is now an admin session). */
  const rotateIfConfirmed = (request: FastifyRequest, reply: FastifyReply) => {
    const session = request.session;
    const claim = session?.claim;
    if (session && claim && claim.presence === 'confirmed' && !claim.rotated) {
      ctx.sessions.rotate(session);
      claim.rotated = true;
      reply.header('set-cookie', sessionCookie(session.id, ctx.deps.secure));
    }
  };

  const setupState = async (request: FastifyRequest): Promise<SetupState & { csrfToken?: string }> => {
    const state = await ctx.box.get();
    const session = request.session;
    const presence = ctx.presence.state(session, 'setup');
    const claim = session?.claim?.kind === 'setup' ? session.claim : undefined;
    const step = state.setupDone ? 'done' : presence.presence === 'confirmed' ? 'details' : claim ? 'presence' : 'password';
    return {
      done: state.setupDone,
      step,
      presence: presence.presence,
      ...(presence.expiresAt !== undefined ? { presenceExpiresAt: presence.expiresAt } : {}),
      simButton: await ctx.simButton(),
      hostname: state.hostname,
      ...(session ? { csrfToken: session.csrf } : {}),
    };
  };

  const recoveryState = async (request: FastifyRequest): Promise<RecoveryState & { csrfToken?: string }> => {
    const presence = ctx.presence.state(request.session, 'recovery');
    return {
      presence: presence.presence,
      ...(presence.expiresAt !== undefined ? { presenceExpiresAt: presence.expiresAt } : {}),
      simButton: await ctx.simButton(),
      ...(request.session ? { csrfToken: request.session.csrf } : {}),
    };
  };

  const mustNotBeDone = async () => {
    if ((await ctx.box.get()).setupDone) throw new ApiFailure(409, 'SETUP_DONE', 'The box is already set up. Sign in instead.');
  };

  const simPress = async (request: FastifyRequest) => {
    if (!(await ctx.simButton())) {
      throw new ApiFailure(403, 'FORBIDDEN', 'Press the button on the box itself: it cannot be pressed from here.');
    }
    const session = request.session;
    if (!session?.claim || ctx.presence.state(session, session.claim.kind).presence !== 'waiting') {
      throw new ApiFailure(400, 'BAD_REQUEST', 'Nothing is waiting for the button.');
    }
    await ctx.act('gpio.press', { kind: 'short' });
    await ctx.presence.settled(session, 3000);
  };

  app.get('/api/setup', publicRoute, async (request, reply) => {
    rotateIfConfirmed(request, reply);
    return setupState(request);
  });

  app.post<{ Body: { password: string } }>(
    '/api/setup/password',
    { ...publicRoute, schema: { body: passwordBody } },
    async (request, reply) => {
      await mustNotBeDone();
      ctx.presence.check(request.body.password);
      const session = ctx.ensureSession(request, reply);
      ctx.presence.begin(session, 'setup', request.body.password);
      return setupState(request);
    },
  );

  app.post('/api/setup/presence', publicRoute, async (request) => {
    await mustNotBeDone();
    const session = request.session;
    if (session?.claim?.kind !== 'setup') throw new ApiFailure(400, 'BAD_REQUEST', 'Choose the admin password first.', 'password');
    ctx.presence.request(session);
    return setupState(request);
  });

  app.post('/api/setup/press', publicRoute, async (request, reply) => {
    await mustNotBeDone();
    await simPress(request);
    rotateIfConfirmed(request, reply);
    return setupState(request);
  });

  app.post<{ Body: SetupFinishRequest }>(
    '/api/setup/finish',
    {
      ...publicRoute,
      schema: {
        body: {
          type: 'object',
          required: ['domain'],
          properties: {
            domain: { type: 'string', minLength: 1, maxLength: 253 },
            hostname: { type: 'string', maxLength: 253 },
            users: {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                required: ['address', 'password'],
                properties: {
                  address: { type: 'string', minLength: 1, maxLength: 320 },
                  password: { type: 'string', minLength: 1, maxLength: 1024 },
                  displayName: { type: 'string', maxLength: 200 },
                  quota: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'number' }] },
                },
              },
            },
            smarthost: {
              anyOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['host'],
                  properties: {
                    host: { type: 'string', minLength: 1, maxLength: 253 },
                    port: { type: 'integer', minimum: 1, maximum: 65535 },
                    tls: { enum: ['implicit', 'starttls', 'none'] },
                    user: { type: 'string', maxLength: 320 },
                    password: { type: 'string', maxLength: 1024 },
                  },
                },
              ],
            },
          },
        },
      },
    },
    async (request, reply): Promise<SessionInfo> => {
      await mustNotBeDone();
      const session = request.session;
      if (session?.role !== 'admin' || session.claim?.kind !== 'setup' || session.claim.presence !== 'confirmed') {
        throw new ApiFailure(403, 'PRESENCE_REQUIRED', 'Press the button on the box first: it proves you are next to it.');
      }
      rotateIfConfirmed(request, reply);
      await ctx.act('setup.finish', { ...request.body }, { INVALID_DOMAIN: 'domain', INVALID_ADDRESS: 'users', WEAK_PASSWORD: 'users' });
      delete session.claim;
      ctx.box.invalidate();
      ctx.deps.log?.info({ ip: request.ip }, 'first-boot setup finished');
      return ctx.sessionInfo(session);
    },
  );

  app.get('/api/recovery', publicRoute, async (request, reply) => {
    rotateIfConfirmed(request, reply);
    return recoveryState(request);
  });

  app.post<{ Body: { password: string } }>(
    '/api/recovery/start',
    { ...publicRoute, schema: { body: passwordBody } },
    async (request, reply) => {
      if (!(await ctx.box.get()).setupDone)
        throw new ApiFailure(409, 'SETUP_REQUIRED', 'The box is not set up yet. Finish the setup first.');
      ctx.presence.check(request.body.password);
      const session = ctx.ensureSession(request, reply);
      ctx.presence.begin(session, 'recovery', request.body.password);
      ctx.presence.request(session);
      return recoveryState(request);
    },
  );

  app.post('/api/recovery/press', publicRoute, async (request, reply) => {
    await simPress(request);
    rotateIfConfirmed(request, reply);
    return recoveryState(request);
  });
}
