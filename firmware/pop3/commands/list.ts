// LIST [msg]
import { optionalMessageNumberArg } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const list = defineCommand({
  name: 'LIST',
  states: TRANSACTION,
  args: ({ args }) => optionalMessageNumberArg(args),
  async run(ctx, number) {
    const maildrop = maildropOf(ctx);
    if (number !== undefined) {
      const message = maildrop.get(number);
      return message === undefined ? err(NO_SUCH_MESSAGE) : ok(`${message.number} ${message.size}`);
    }
    const live = maildrop.live();
    const { count, size } = maildrop.totals();
    return ok(`${count} messages (${size} octets)`, { lines: live.map((m) => `${m.number} ${m.size}`) });
  },
});
