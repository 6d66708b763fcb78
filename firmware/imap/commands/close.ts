// tag CLOSE
import { ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { defineCommand, SELECTED } from './types.ts';

/** Silently expunge \Deleted messages (unless read-only) and leave the mailbox. */
export const close = defineCommand({
  name: 'CLOSE',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseNoArgs,
  async run(ctx) {
    const selected = ctx.session.selected!;
    ctx.session.selected = undefined;
    ctx.session.state = 'authenticated';
    ctx.session.updates.clear();
    if (!selected.readOnly) {
      const store = ctx.deps.store;
      const deleted = (await store.listMessages(selected.mailboxId)).filter((m) => m.flags.includes('\\Deleted')).map((m) => m.uid);
      if (deleted.length > 0) await store.expunge(selected.mailboxId, deleted);
    }
    return ok('CLOSE completed');
  },
});
