// TOP msg n
import { Pop3SyntaxError, parseNumber } from '../parser.ts';
import { retrieve } from './retrieve.ts';
import { defineCommand, TRANSACTION } from './types.ts';

export const top = defineCommand({
  name: 'TOP',
  states: TRANSACTION,
  args: ({ args }) => {
    if (args.length !== 2) throw new Pop3SyntaxError('Expected a message number and a line count');
    return { number: parseNumber(args[0], 'message number'), lines: parseNumber(args[1], 'line count') };
  },
  run: (ctx, { number, lines }) => retrieve(ctx, number, lines),
});
