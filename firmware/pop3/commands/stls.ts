// STLS
import { noArgs } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { AUTHORIZATION, defineCommand } from './types.ts';

/** RFC 2595 4: only before login, and only once. */
export const stls = defineCommand({
  name: 'STLS',
  states: AUTHORIZATION,
  args: ({ args }) => noArgs(args),
  async run(ctx) {
    if (ctx.session.secure) return err('Already using TLS');
    if (ctx.deps.startTls === undefined) return err('TLS is not available');
    return ok('Begin TLS negotiation', { after: 'stls' });
  },
});
