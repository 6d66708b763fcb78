// tag EXPUNGE
// tag UID EXPUNGE sequence-set
import { resolveSet } from '../message-set.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { parseNoArgs, parseUidExpungeArgs } from '../syntax/commands.ts';
import type { SequenceSet } from '../syntax/sequence-set.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

/** Remove the \Deleted messages (of `only`, for UID EXPUNGE) and tell the client each EXPUNGE. */
async function runExpunge(ctx: CommandContext, only: SequenceSet | undefined): Promise<CommandResult> {
  const view = ctx.session.selected!;
  const { store } = ctx.deps;
  if (view.readOnly) return no('Mailbox is read-only', code('READ-ONLY'));
  const within = only === undefined ? undefined : new Set(resolveSet(view, only, true));
  // Expunges held back from other sessions go first, so the numbers below are the client's.
  await ctx.flushUpdates(true);
  const deleted = (await store.listMessages(view.mailboxId))
    .filter((m) => m.flags.includes('\\Deleted') && (within === undefined || within.has(m.uid)))
    .map((m) => m.uid);
  const removed = deleted.length === 0 ? [] : await store.expunge(view.mailboxId, deleted);
  for (const response of view.expunge(removed)) await ctx.send(response);
  return ok(only === undefined ? 'EXPUNGE completed' : 'UID EXPUNGE completed');
}

export const expunge: Command = defineCommand({
  name: 'EXPUNGE',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseNoArgs,
  run: (ctx) => runExpunge(ctx, undefined),
});

export const uidExpunge: Command = defineCommand({
  name: 'UID EXPUNGE',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseUidExpungeArgs,
  run: (ctx, { set }) => runExpunge(ctx, set),
});
