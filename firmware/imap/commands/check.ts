// tag CHECK
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { defineCommand, SELECTED } from './types.ts';

/** Every store change is already durable when it returns, so there is nothing to checkpoint. */
export const check = defineCommand({
  name: 'CHECK',
  states: SELECTED,
  args: parseNoArgs,
  async run() {
    return ok('CHECK completed');
  },
});
