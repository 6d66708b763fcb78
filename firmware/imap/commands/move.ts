// tag MOVE sequence-set mailbox
// tag UID MOVE sequence-set mailbox
import { resolveSet } from '../message-set.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { parseCopyArgs } from '../syntax/commands.ts';
import type { SequenceSet } from '../syntax/sequence-set.ts';
import { copyUidCode } from './copy.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

/**
 * Move atomically in the store, then tell the client as RFC 6851 3.3 shows:
 * an untagged OK with COPYUID, the EXPUNGE of each moved message, tagged OK.
 */
async function runMove(ctx: CommandContext, args: { set: SequenceSet; mailbox: string }, byUid: boolean): Promise<CommandResult> {
  const view = ctx.session.selected!;
  const { store } = ctx.deps;
  if (view.readOnly) return no('Mailbox is read-only', code('READ-ONLY'));
  const uids = resolveSet(view, args.set, byUid);
  const target = await store.getMailbox(ctx.session.account!.id, args.mailbox);
  if (target === undefined) return no('Mailbox does not exist', code('TRYCREATE'));
  const text = byUid ? 'UID MOVE completed' : 'MOVE completed';
  if (uids.length === 0) return ok(text);
  // Expunges held back from other sessions go first, so the numbers below are the client's.
  await ctx.flushUpdates(true);
  const result = await store.moveMessages(view.mailboxId, uids, target.id);
  const copyUid = copyUidCode(result.uidValidity, result.uidMap);
  if (copyUid !== undefined) await ctx.send({ type: 'status', status: 'OK', code: copyUid, text: 'Moved' });
  for (const response of view.expunge(result.uidMap.map(([from]) => from))) await ctx.send(response);
  return ok(text);
}

export const move: Command = defineCommand({
  name: 'MOVE',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseCopyArgs,
  run: (ctx, args) => runMove(ctx, args, false),
});

export const uidMove: Command = defineCommand({
  name: 'UID MOVE',
  states: SELECTED,
  flags: { breaksSequenceNumbers: true },
  args: parseCopyArgs,
  run: (ctx, args) => runMove(ctx, args, true),
});
