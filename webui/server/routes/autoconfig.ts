// Client autoconfig: public (mail clients ask before they have a password),
// except the Apple profile, which names one user and so needs a session.

import type { FastifyInstance } from 'fastify';
import { appleMobileconfig, autodiscoverAddress, domainOfAddress, outlookAutodiscover, thunderbirdConfig } from '../client-config.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';

export async function autoconfigRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const thunderbird = async (request: { query: { emailaddress?: string } }, reply: { type(t: string): unknown }) => {
    const state = await ctx.box.get();
    // Without an address, the host's parent domain (mail.example.com -> example.com) is the best guess.
    const parent = state.hostname.includes('.') ? state.hostname.slice(state.hostname.indexOf('.') + 1) : '';
    const domain = domainOfAddress(request.query.emailaddress) ?? (parent.includes('.') ? parent : state.hostname);
    reply.type('application/xml; charset=utf-8');
    return thunderbirdConfig(state.hostname, domain);
  };
  const query = { querystring: { type: 'object', properties: { emailaddress: { type: 'string', maxLength: 320 } } } };
  app.get<{ Querystring: { emailaddress?: string } }>(
    '/.well-known/autoconfig/mail/config-v1.1.xml',
    { config: { access: 'public' }, schema: query },
    thunderbird,
  );
  app.get<{ Querystring: { emailaddress?: string } }>(
    '/mail/config-v1.1.xml',
    { config: { access: 'public' }, schema: query },
    thunderbird,
  );

  app.register(async (scope) => {
    for (const type of ['text/xml', 'application/xml']) {
      scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, body));
    }
    const autodiscover = async (request: { body: unknown }, reply: { type(t: string): unknown }) => {
      const address = autodiscoverAddress(typeof request.body === 'string' ? request.body : '');
      if (!address || !domainOfAddress(address))
        throw new ApiFailure(400, 'BAD_REQUEST', 'Expected an autodiscover request with an EMailAddress.', 'EMailAddress');
      const state = await ctx.box.get();
      reply.type('application/xml; charset=utf-8');
      return outlookAutodiscover(state.hostname, address);
    };
    // Mail clients post these without our CSRF header; they change nothing.
    const options = { config: { access: 'public' as const, csrf: false } };
    scope.post('/autodiscover/autodiscover.xml', options, autodiscover);
    scope.post('/Autodiscover/Autodiscover.xml', options, autodiscover);
  });

  app.get<{ Params: { address: string } }>('/api/users/:address/mobileconfig', { config: { access: 'user' } }, async (request, reply) => {
    const session = request.session!;
    const wanted = request.params.address.trim().toLowerCase();
    if (session.role !== 'admin' && session.username !== wanted)
      throw new ApiFailure(403, 'FORBIDDEN', 'You can only download your own settings.', 'address');
    const user = await ctx.act<{ address: string; displayName: string }>(
      'user.show',
      { address: wanted },
      { INVALID_ADDRESS: 'address', UNKNOWN_USER: 'address' },
    );
    const state = await ctx.box.get();
    reply
      .type('application/x-apple-aspen-config')
      .header('content-disposition', `attachment; filename="${user.address.replace(/[^\w.@-]/g, '_')}.mobileconfig"`);
    return appleMobileconfig(state.hostname, user.address, user.displayName);
  });
}
