// tag STATUS mailbox (status-att ...)
import { code, no, ok } from '../responses.ts';
import { parseStatusArgs } from '../syntax/list.ts';
import { statusResponse } from './mailbox-status.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const status = defineCommand({
  name: 'STATUS',
  states: AUTHENTICATED,
  args: parseStatusArgs,
  async run(ctx, { mailbox, items }) {
    const box = await ctx.deps.store.getMailbox(ctx.session.account!.id, mailbox);
    if (box === undefined) return no('No such mailbox', code('NONEXISTENT'));
    await ctx.send({ type: 'data', values: await statusResponse(ctx, box, items) });
    return ok('STATUS completed');
  },
});
