// tag UNSUBSCRIBE mailbox
import { ok } from '../responses.ts';
import { parseMailboxArg } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const unsubscribe = defineCommand({
  name: 'UNSUBSCRIBE',
  states: AUTHENTICATED,
  args: parseMailboxArg,
  async run(ctx, { mailbox }) {
    await ctx.deps.store.setSubscribed(ctx.session.account!.id, mailbox, false);
    return ok('UNSUBSCRIBE completed');
  },
});
