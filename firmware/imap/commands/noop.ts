// tag NOOP
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { ANY_STATE, defineCommand } from './types.ts';

/** Does nothing itself; the connection sends pending mailbox updates before the OK. */
export const noop = defineCommand({
  name: 'NOOP',
  states: ANY_STATE,
  args: parseNoArgs,
  async run() {
    return ok('NOOP completed');
  },
});
