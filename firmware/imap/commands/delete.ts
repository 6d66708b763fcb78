// tag DELETE mailbox
import { code, no, ok } from '../responses.ts';
import { parseMailboxArg } from '../syntax/commands.ts';
import { DELIMITER } from '../syntax/mailbox-name.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const deleteMailbox = defineCommand({
  name: 'DELETE',
  states: AUTHENTICATED,
  args: parseMailboxArg,
  async run(ctx, { mailbox }) {
    if (mailbox === 'INBOX') return no('INBOX cannot be deleted', code('CANNOT'));
    const accountId = ctx.session.account!.id;
    const boxes = await ctx.deps.store.listMailboxes(accountId);
    if (!boxes.some((b) => b.name === mailbox)) return no('No such mailbox', code('NONEXISTENT'));
    // Deleting a parent would orphan its children; RFC 5530 names this case.
    if (boxes.some((b) => b.name.startsWith(mailbox + DELIMITER))) return no('Mailbox has children', code('HASCHILDREN'));
    if (ctx.session.selected?.name === mailbox) {
      // Deleting the selected mailbox deselects it, as Dovecot does.
      ctx.session.selected = undefined;
      ctx.session.state = 'authenticated';
    }
    await ctx.deps.store.deleteMailbox(accountId, mailbox);
    return ok('DELETE completed');
  },
});
