// CONDSTORE enabling (RFC 7162 3.1): a command with a CONDSTORE modifier or
// item turns it on for the rest of the selection, like ENABLE CONDSTORE.

import { code } from '../responses.ts';
import type { CommandContext } from './types.ts';

/**
 * Turn CONDSTORE on for the selected mailbox if it was off. The first time,
 * the client learns the mailbox's HIGHESTMODSEQ (RFC 7162 3.1.2.1).
 */
export async function enableCondstore(ctx: CommandContext): Promise<void> {
  const view = ctx.session.selected;
  if (view === undefined || view.condstore) return;
  view.condstore = true;
  const box = await ctx.deps.store.getMailboxById(view.mailboxId);
  if (box !== undefined) {
    await ctx.send({ type: 'status', status: 'OK', code: code('HIGHESTMODSEQ', box.highestModseq), text: 'Highest' });
  }
}
