// tag NAMESPACE
import { atom } from '../compiler.ts';
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { DELIMITER } from '../syntax/mailbox-name.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/** One personal namespace with no prefix; no shared or other-users namespaces. */
export const namespace = defineCommand({
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  args: parseNoArgs,
  async run(ctx) {
    await ctx.send({ type: 'data', values: [atom('NAMESPACE'), [['', DELIMITER]], null, null] });
    return ok('NAMESPACE completed');
  },
});
