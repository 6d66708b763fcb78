// tag XLIST reference mailbox-pattern
import { ok } from '../responses.ts';
import { parseListArgs } from '../syntax/list.ts';
import { listMailboxes } from './list.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/** Gmail's pre-SPECIAL-USE LIST; older Outlook versions find special folders only through it. */
export const xlist = defineCommand({
  name: 'XLIST',
  states: AUTHENTICATED,
  args: parseListArgs,
  async run(ctx, args) {
    await listMailboxes(ctx, args, 'XLIST');
    return ok('XLIST completed');
  },
});
