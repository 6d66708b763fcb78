// NOOP
import { noArgs } from '../parser.ts';
import { ok } from '../replies.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const noop = defineCommand({
  name: 'NOOP',
  states: TRANSACTION,
  args: ({ args }) => noArgs(args),
  run: async () => ok(),
});
