// tag EXAMINE mailbox [(CONDSTORE | QRESYNC (uidvalidity modseq [known-uids]))]
import { parseSelectArgs } from '../syntax/commands.ts';
import { openMailbox } from './open-mailbox.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const examine = defineCommand({
  name: 'EXAMINE',
  states: AUTHENTICATED,
  flags: { breaksSequenceNumbers: true },
  args: parseSelectArgs,
  run: (ctx, args) => openMailbox(ctx, args, true),
});
