// tag STARTTLS
import { bad, ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { defineCommand } from './types.ts';

export const starttls = defineCommand({
  name: 'STARTTLS',
  states: ['not-authenticated'],
  args: parseNoArgs,
  async run(ctx) {
    if (ctx.session.secure) return bad('TLS is already active');
    if (ctx.deps.startTls === undefined) return bad('STARTTLS not available');
    return { ...ok('Begin TLS negotiation now'), after: 'starttls' };
  },
});
