// Runtime settings (relay, DNSBL, limits, queue) and the relay test.

import type { FastifyInstance } from 'fastify';
import type { RelayTestResponse, SettingView } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';

export async function settingsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get('/api/settings', async (): Promise<SettingView[]> => ctx.act('settings.list'));

  app.patch<{ Body: { values: Record<string, unknown> } }>(
    '/api/settings',
    {
      schema: {
        body: { type: 'object', required: ['values'], properties: { values: { type: 'object', minProperties: 1, maxProperties: 50 } } },
      },
    },
    async (request): Promise<SettingView[]> => {
      const values: Record<string, unknown> = {};
      const unset: string[] = [];
      for (const [key, value] of Object.entries(request.body.values)) {
        // Internal keys (setup.done) are the web UI's own business, not the admin's.
        if (key === 'setup.done') continue;
        if (value === null && key !== 'relay.smarthost') unset.push(key);
        else values[key] = value;
      }
      const only = Object.keys(request.body.values).length === 1 ? Object.keys(request.body.values)[0] : undefined;
      try {
        if (Object.keys(values).length > 0) await ctx.act('settings.set', { values });
        for (const key of unset) await ctx.act('settings.unset', { key });
      } catch (err) {
        // A message without a field prefix (an unknown key) still belongs to the one key sent.
        if (err instanceof ApiFailure && err.field === undefined && only !== undefined)
          throw new ApiFailure(err.status, err.code, err.message, only);
        throw err;
      }
      return ctx.act('settings.list');
    },
  );

  app.post<{ Body: { to: string } }>(
    '/api/relay/test',
    { schema: { body: { type: 'object', required: ['to'], properties: { to: { type: 'string', minLength: 3, maxLength: 320 } } } } },
    async (request): Promise<RelayTestResponse> => ctx.act('relay.test', { to: request.body.to }, { INVALID_ADDRESS: 'to' }),
  );
}
