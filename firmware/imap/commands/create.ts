// tag CREATE mailbox [(USE (special-use))]
import { code, no, ok } from '../responses.ts';
import { parseCreateArgs } from '../syntax/commands.ts';
import { DELIMITER } from '../syntax/mailbox-name.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const create = defineCommand({
  name: 'CREATE',
  states: AUTHENTICATED,
  args: parseCreateArgs,
  async run(ctx, { mailbox, specialUse }) {
    // A trailing delimiter only declares intent to create children (RFC 3501 6.3.3).
    const name = mailbox.endsWith(DELIMITER) ? mailbox.slice(0, -DELIMITER.length) : mailbox;
    if (name === '' || name.split(DELIMITER).some((part) => part === '')) return no('Invalid mailbox name', code('CANNOT'));
    if (name === 'INBOX') return no('INBOX already exists', code('ALREADYEXISTS'));
    await ctx.deps.store.createMailbox(ctx.session.account!.id, name, specialUse === undefined ? {} : { specialUse });
    return ok('CREATE completed');
  },
});
