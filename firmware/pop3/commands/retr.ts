// RETR msg
import { messageNumberArg } from '../parser.ts';
import { retrieve } from './retrieve.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const retr = defineCommand({
  name: 'RETR',
  states: TRANSACTION,
  args: ({ args }) => messageNumberArg(args),
  run: (ctx, number) => retrieve(ctx, number),
});
