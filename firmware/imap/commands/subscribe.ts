// tag SUBSCRIBE mailbox
import { ok } from '../responses.ts';
import { parseMailboxArg } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const subscribe = defineCommand({
  name: 'SUBSCRIBE',
  states: AUTHENTICATED,
  args: parseMailboxArg,
  async run(ctx, { mailbox }) {
    await ctx.deps.store.setSubscribed(ctx.session.account!.id, mailbox, true);
    return ok('SUBSCRIBE completed');
  },
});
