// STAT
import { noArgs } from '../parser.ts';
import { ok } from '../replies.ts';
import { maildropOf } from './maildrop-of.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const stat = defineCommand({
  name: 'STAT',
  states: TRANSACTION,
  args: ({ args }) => noArgs(args),
  async run(ctx) {
    const { count, size } = maildropOf(ctx).totals();
    return ok(`${count} ${size}`);
  },
});
