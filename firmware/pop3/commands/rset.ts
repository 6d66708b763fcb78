// RSET
import { noArgs } from '../parser.ts';
import { ok } from '../replies.ts';
import { maildropOf } from './maildrop-of.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const rset = defineCommand({
  name: 'RSET',
  states: TRANSACTION,
  args: ({ args }) => noArgs(args),
  async run(ctx) {
    const maildrop = maildropOf(ctx);
    maildrop.reset();
    const { count, size } = maildrop.totals();
    return ok(`${count} messages (${size} octets)`);
  },
});
