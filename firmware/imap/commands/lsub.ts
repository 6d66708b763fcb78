// tag LSUB reference mailbox-pattern
import { atom } from '../compiler.ts';
import { joinReference, mailboxMatcher } from '../mailbox-match.ts';
import { ok } from '../responses.ts';
import { parseLsubArgs } from '../syntax/list.ts';
import { DELIMITER, encodeMailboxName } from '../syntax/mailbox-name.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const lsub = defineCommand({
  name: 'LSUB',
  states: AUTHENTICATED,
  args: parseLsubArgs,
  async run(ctx, { reference, pattern }) {
    if (pattern === '') {
      await ctx.send({ type: 'data', values: [atom('LSUB'), [atom('\\Noselect')], DELIMITER, ''] });
      return ok('LSUB completed');
    }
    const match = mailboxMatcher(joinReference(reference, pattern));
    const boxes = await ctx.deps.store.listMailboxes(ctx.session.account!.id);
    for (const box of boxes) {
      if (!box.subscribed || !match(box.name)) continue;
      await ctx.send({ type: 'data', values: [atom('LSUB'), [], DELIMITER, encodeMailboxName(box.name)] });
    }
    return ok('LSUB completed');
  },
});
