// tag SELECT mailbox [(CONDSTORE)]
import { parseSelectArgs } from '../syntax/commands.ts';
import { openMailbox } from './open-mailbox.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const select = defineCommand({
  name: 'SELECT',
  states: AUTHENTICATED,
  flags: { breaksSequenceNumbers: true },
  args: parseSelectArgs,
  run: (ctx, { mailbox, condstore }) => openMailbox(ctx, mailbox, false, condstore),
});
