// CAPA
import { noArgs } from '../parser.ts';
import { ok } from '../replies.ts';
import { ANY_STATE, defineCommand } from './types.ts';

export const capa = defineCommand({
  name: 'CAPA',
  states: ANY_STATE,
  args: ({ args }) => noArgs(args),
  run: async (ctx) => ok('Capability list follows', { lines: ctx.capabilities() }),
});
