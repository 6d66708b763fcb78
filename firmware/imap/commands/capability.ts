// tag CAPABILITY
import { atom } from '../compiler.ts';
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { ANY_STATE, defineCommand } from './types.ts';

export const capability = defineCommand({
  name: 'CAPABILITY',
  states: ANY_STATE,
  args: parseNoArgs,
  async run(ctx) {
    await ctx.send({ type: 'data', values: [atom('CAPABILITY'), ...ctx.capabilities().map(atom)] });
    return ok('Capability completed');
  },
});
