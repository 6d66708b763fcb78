// UIDL [msg]
import { optionalMessageNumberArg } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const uidl = defineCommand({
  name: 'UIDL',
  states: TRANSACTION,
  args: ({ args }) => optionalMessageNumberArg(args),
  async run(ctx, number) {
    const maildrop = maildropOf(ctx);
    if (number !== undefined) {
      const message = maildrop.get(number);
      return message === undefined ? err(NO_SUCH_MESSAGE) : ok(`${message.number} ${maildrop.uniqueId(message)}`);
    }
    return ok('Unique-id listing follows', { lines: maildrop.live().map((m) => `${m.number} ${maildrop.uniqueId(m)}`) });
  },
});
