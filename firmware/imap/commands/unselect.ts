// tag UNSELECT
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { defineCommand, SELECTED } from './types.ts';

/** Leave the mailbox without expunging (RFC 3691). */
export const unselect = defineCommand({
  name: 'UNSELECT',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseNoArgs,
  async run(ctx) {
    ctx.session.selected = undefined;
    ctx.session.state = 'authenticated';
    ctx.session.updates.clear();
    return ok('UNSELECT completed');
  },
});
