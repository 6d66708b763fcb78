// tag LOGOUT
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { ANY_STATE, defineCommand } from './types.ts';

export const logout = defineCommand({
  name: 'LOGOUT',
  states: ANY_STATE,
  args: parseNoArgs,
  async run(ctx) {
    await ctx.send({ type: 'status', status: 'BYE', text: 'Logging out' });
    ctx.session.state = 'logout';
    ctx.session.selected = undefined;
    return { ...ok('LOGOUT completed'), after: 'close' };
  },
});
