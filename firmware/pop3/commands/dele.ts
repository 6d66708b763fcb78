// DELE msg
import { messageNumberArg } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import { defineCommand, TRANSACTION } from './types.ts';

/** Only marks: the store changes at QUIT (UPDATE state), all marks in one expunge. */
export const dele = defineCommand({
  name: 'DELE',
  states: TRANSACTION,
  args: ({ args }) => messageNumberArg(args),
  async run(ctx, number) {
    const message = maildropOf(ctx).get(number);
    if (message === undefined) return err(NO_SUCH_MESSAGE);
    message.deleted = true;
    return ok(`Message ${number} deleted`);
  },
});
