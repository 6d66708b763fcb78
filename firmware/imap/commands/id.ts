// tag ID ( "name" "value" ... ) | tag ID NIL
import { atom } from '../compiler.ts';
import { ok } from '../responses.ts';
import { parseIdArgs } from '../syntax/commands.ts';
import { ANY_STATE, defineCommand } from './types.ts';

export const id = defineCommand({
  name: 'ID',
  states: ANY_STATE,
  args: parseIdArgs,
  async run(ctx, { params }) {
    ctx.session.clientId = params;
    if (params.size > 0) ctx.deps.log.info({ conn: ctx.session.id, client: Object.fromEntries(params) }, 'imap client id');
    await ctx.send({ type: 'data', values: [atom('ID'), ['name', 'Pochta', 'vendor', 'Pochta']] });
    return ok('ID completed');
  },
});
