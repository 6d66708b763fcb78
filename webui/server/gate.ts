// The checks every request passes before its handler, in one place so a new
// route cannot forget them: security headers, CSRF (custom header + Origin),
// the setup gate, and the session and role a route requires (default: admin).

import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_ANONYMOUS, CSRF_HEADER } from '../api-types.ts';
import type { RouteContext } from './context.ts';
import { ApiFailure } from './errors.ts';
import { readCookie, SESSION_COOKIE, sessionCookie } from './sessions.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** No inline scripts or styles, nothing from elsewhere, never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(secure: boolean): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(secure ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

export function installGate(app: FastifyInstance, ctx: RouteContext): void {
  const headers = securityHeaders(ctx.deps.secure);
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(headers);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    request.session = ctx.sessions.get(cookie);
    // A cookie for a session that is gone: tell the browser to drop it.
    if (cookie !== undefined && !request.session) reply.header('set-cookie', sessionCookie('', ctx.deps.secure));

    const config = request.routeOptions.config;
    if (request.url.startsWith('/api/')) {
      const state = await ctx.box.get();
      if (!hostAllowed(request.headers.host, [state.hostname, ctx.deps.hostname])) {
        throw new ApiFailure(
          421,
          'FORBIDDEN',
          `Open the box by its own name or address (for example https://${state.hostname}/), not through another web address.`,
        );
      }
    }
    if (UNSAFE.has(request.method) && config.csrf !== false) checkCsrf(request);

    const access = config.access ?? 'admin';
    if (access === 'public') return;
    const state = await ctx.box.get();
    if (!state.setupDone) throw new ApiFailure(409, 'SETUP_REQUIRED', 'The box is not set up yet. Finish the setup first.');
    const session = request.session;
    if (!session?.role) throw new ApiFailure(401, 'UNAUTHENTICATED', 'Please sign in.');
    if (session.role === 'admin' && session.adminStamp !== state.adminChangedAt) {
      // The admin password changed since this sign-in (a reset on the box, a recovery).
      ctx.sessions.destroy(session.id);
      request.session = undefined;
      reply.header('set-cookie', sessionCookie('', ctx.deps.secure));
      throw new ApiFailure(401, 'UNAUTHENTICATED', 'The admin password was changed. Please sign in again.');
    }
    if (access === 'admin' && session.role !== 'admin') throw new ApiFailure(403, 'FORBIDDEN', 'Only the admin may do this.');
    if (session.role === 'user') {
      // A mail user removed or disabled since signing in is signed out.
      const account = (await ctx.deps.admin.call('user.show', { address: session.username }).catch(() => undefined)) as
        | { enabled?: boolean }
        | undefined;
      if (!account?.enabled) {
        ctx.sessions.destroy(session.id);
        request.session = undefined;
        reply.header('set-cookie', sessionCookie('', ctx.deps.secure));
        throw new ApiFailure(401, 'UNAUTHENTICATED', 'Please sign in.');
      }
    }
  });
}

const LOCAL_SUFFIXES = ['.local', '.lan', '.home.arpa', '.internal', '.localdomain', '.localhost'];

/**
 * Against DNS rebinding (a public web site whose name is made to point at the
 * box): the API answers only under names a LAN uses for the box — an IP
 * address, a single-label name, a local suffix, or the box's own names and
 * their parent domain.
 */
export function hostAllowed(hostHeader: string | undefined, boxNames: readonly string[]): boolean {
  if (!hostHeader) return true; // HTTP/1.0 without Host: no browser sends that
  const host = hostHeader
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (isIP(host) !== 0 || !host.includes('.') || host === 'localhost') return true;
  if (LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return true;
  for (const name of boxNames) {
    const own = name.toLowerCase();
    const parent = own.includes('.') ? own.slice(own.indexOf('.') + 1) : own;
    if (host === own || host.endsWith(`.${own}`) || (parent.includes('.') && (host === parent || host.endsWith(`.${parent}`)))) return true;
  }
  return false;
}

function checkCsrf(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host !== request.headers.host) {
      throw new ApiFailure(403, 'CSRF_FAILED', 'This request came from another web site and was refused.');
    }
  } else if (origin === 'null') {
    throw new ApiFailure(403, 'CSRF_FAILED', 'This request came from another web site and was refused.');
  }
  const token = request.headers[CSRF_HEADER];
  const expected = request.session?.csrf ?? CSRF_ANONYMOUS;
  if (typeof token !== 'string' || !timingSafeEqualText(token, expected)) {
    throw new ApiFailure(403, 'CSRF_FAILED', 'The page is out of date. Reload it and try again.');
  }
}

function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
