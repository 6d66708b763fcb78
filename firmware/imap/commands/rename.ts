// tag RENAME existing-mailbox new-mailbox
import { code, no, ok } from '../responses.ts';
import { parseRenameArgs } from '../syntax/commands.ts';
import { DELIMITER } from '../syntax/mailbox-name.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const rename = defineCommand({
  name: 'RENAME',
  states: AUTHENTICATED,
  args: parseRenameArgs,
  async run(ctx, { from, to }) {
    const target = to.endsWith(DELIMITER) ? to.slice(0, -DELIMITER.length) : to;
    if (target === '' || target.split(DELIMITER).some((part) => part === '')) return no('Invalid mailbox name', code('CANNOT'));
    if (target === 'INBOX') return no('INBOX already exists', code('ALREADYEXISTS'));
    if (target === from || target.startsWith(from + DELIMITER)) return no('Cannot rename a mailbox into itself', code('CANNOT'));
    const accountId = ctx.session.account!.id;
    if ((await ctx.deps.store.getMailbox(accountId, from)) === undefined) return no('No such mailbox', code('NONEXISTENT'));
    // Renaming INBOX moves its messages to the new name and leaves INBOX empty (RFC 3501 6.3.5); the store does that.
    await ctx.deps.store.renameMailbox(accountId, from, target);
    return ok('RENAME completed');
  },
});
