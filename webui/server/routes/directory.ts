// Domains, users, aliases (lists, catch-all): thin routes over the admin
// actions the CLI uses (`pochta domain|user|alias ...`).

import type { FastifyInstance } from 'fastify';
import type { AliasView, DomainView, UserView } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';

const str = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const quota = { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'number' }] };
const targets = { type: 'array', minItems: 1, maxItems: 500, items: str(320) };
const domainQuery = { type: 'object', properties: { domain: { type: 'string', maxLength: 253 } } };

export async function directoryRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // ---- domains
  app.get('/api/domains', async (): Promise<DomainView[]> => ctx.act('domain.list'));

  app.post<{ Body: { name: string } }>(
    '/api/domains',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: str(253) } } } },
    async (request, reply): Promise<DomainView> => {
      const domain = await ctx.act<DomainView>(
        'domain.add',
        { name: request.body.name },
        { INVALID_DOMAIN: 'name', ALREADY_EXISTS: 'name' },
      );
      reply.code(201);
      return domain;
    },
  );

  app.delete<{ Params: { name: string } }>('/api/domains/:name', async (request) =>
    ctx.act('domain.remove', { name: request.params.name }, { INVALID_DOMAIN: 'name', UNKNOWN_DOMAIN: 'name', DOMAIN_IN_USE: 'name' }),
  );

  // ---- users
  const userHints = { INVALID_ADDRESS: 'address', UNKNOWN_USER: 'address', ALREADY_EXISTS: 'address', UNKNOWN_DOMAIN: 'address' };

  app.get<{ Querystring: { domain?: string } }>(
    '/api/users',
    { schema: { querystring: domainQuery } },
    async (request): Promise<UserView[]> =>
      ctx.act('user.list', request.query.domain ? { domain: request.query.domain } : {}, { INVALID_DOMAIN: 'domain' }),
  );

  app.post<{ Body: { address: string; password: string; displayName?: string; quota?: string | number } }>(
    '/api/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['address', 'password'],
          properties: { address: str(320), password: str(1024), displayName: { type: 'string', maxLength: 200 }, quota },
        },
      },
    },
    async (request, reply): Promise<UserView> => {
      const { address, password, displayName, quota: q } = request.body;
      const user = await ctx.act<UserView>(
        'user.add',
        { address, password, ...(displayName ? { displayName } : {}), ...(q !== undefined && q !== '' ? { quota: q } : {}) },
        { ...userHints, WEAK_PASSWORD: 'password' },
      );
      reply.code(201);
      return user;
    },
  );

  app.get<{ Params: { address: string } }>(
    '/api/users/:address',
    async (request): Promise<UserView> => ctx.act('user.show', { address: request.params.address }, userHints),
  );

  app.patch<{ Params: { address: string }; Body: { quota?: string | number; enabled?: boolean } }>(
    '/api/users/:address',
    { schema: { body: { type: 'object', properties: { quota, enabled: { type: 'boolean' } } } } },
    async (request): Promise<UserView> => {
      const address = request.params.address;
      let user = await ctx.act<UserView>('user.show', { address }, userHints);
      if (request.body.quota !== undefined) user = await ctx.act('user.quota', { address, quota: request.body.quota }, userHints);
      if (request.body.enabled !== undefined)
        user = await ctx.act(request.body.enabled ? 'user.enable' : 'user.disable', { address }, userHints);
      return user;
    },
  );

  app.post<{ Params: { address: string }; Body: { password: string } }>(
    '/api/users/:address/password',
    { schema: { body: { type: 'object', required: ['password'], properties: { password: str(1024) } } } },
    async (request): Promise<UserView> =>
      ctx.act(
        'user.passwd',
        { address: request.params.address, password: request.body.password },
        { ...userHints, WEAK_PASSWORD: 'password' },
      ),
  );

  app.delete<{ Params: { address: string } }>('/api/users/:address', async (request) =>
    ctx.act('user.remove', { address: request.params.address }, userHints),
  );

  // ---- aliases, lists, catch-all (@domain)
  const aliasHints = {
    INVALID_ADDRESS: 'address',
    INVALID_DOMAIN: 'address',
    ALREADY_EXISTS: 'address',
    UNKNOWN_DOMAIN: 'address',
    NOT_FOUND: 'address',
  };

  app.get<{ Querystring: { domain?: string } }>(
    '/api/aliases',
    { schema: { querystring: domainQuery } },
    async (request): Promise<AliasView[]> =>
      ctx.act('alias.list', request.query.domain ? { domain: request.query.domain } : {}, { INVALID_DOMAIN: 'domain' }),
  );

  app.post<{ Body: { address: string; targets: string[] } }>(
    '/api/aliases',
    { schema: { body: { type: 'object', required: ['address', 'targets'], properties: { address: str(320), targets } } } },
    async (request, reply): Promise<AliasView> => {
      const alias = await ctx.act<AliasView>('alias.add', { address: request.body.address, targets: request.body.targets }, aliasHints);
      reply.code(201);
      return alias;
    },
  );

  app.put<{ Params: { address: string }; Body: { targets: string[] } }>(
    '/api/aliases/:address',
    { schema: { body: { type: 'object', required: ['targets'], properties: { targets } } } },
    async (request): Promise<AliasView> => {
      const address = request.params.address;
      const existing = (await ctx.act<AliasView[]>('alias.list')).find((a) => a.address === address.trim().toLowerCase());
      // Add the new targets first, then drop the old ones, so the alias never disappears in between.
      const added = await ctx.act<AliasView>(
        'alias.add',
        { address, targets: request.body.targets },
        { ...aliasHints, INVALID_ADDRESS: 'targets' },
      );
      const wanted = new Set(added.targets.filter((t) => request.body.targets.some((n) => n.trim().toLowerCase() === t)));
      const drop = (existing?.targets ?? []).filter((t) => !wanted.has(t));
      if (drop.length > 0 && drop.length < added.targets.length) {
        return ctx.act<AliasView>('alias.remove', { address, targets: drop }, aliasHints);
      }
      return added;
    },
  );

  app.delete<{ Params: { address: string } }>('/api/aliases/:address', async (request) =>
    ctx.act('alias.remove', { address: request.params.address }, aliasHints),
  );
}
