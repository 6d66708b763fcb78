// tag COPY sequence-set mailbox
// tag UID COPY sequence-set mailbox
import { atom } from '../compiler.ts';
import { resolveSet } from '../message-set.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { parseCopyArgs } from '../syntax/commands.ts';
import type { SequenceSet } from '../syntax/sequence-set.ts';
import { formatSequenceSet } from '../syntax/sequence-set.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

/** `[COPYUID uidvalidity source-uids destination-uids]` (RFC 4315), or undefined when nothing was copied. */
export function copyUidCode(uidValidity: number, uidMap: ReadonlyArray<readonly [number, number]>) {
  if (uidMap.length === 0) return undefined;
  return code(
    'COPYUID',
    uidValidity,
    atom(formatSequenceSet(uidMap.map(([from]) => from))),
    atom(formatSequenceSet(uidMap.map(([, to]) => to))),
  );
}

async function runCopy(ctx: CommandContext, args: { set: SequenceSet; mailbox: string }, byUid: boolean): Promise<CommandResult> {
  const view = ctx.session.selected!;
  const { store } = ctx.deps;
  const uids = resolveSet(view, args.set, byUid);
  const target = await store.getMailbox(ctx.session.account!.id, args.mailbox);
  // TRYCREATE: the client may CREATE the mailbox and try again (RFC 3501 6.4.7).
  if (target === undefined) return no('Mailbox does not exist', code('TRYCREATE'));
  const text = byUid ? 'UID COPY completed' : 'COPY completed';
  if (uids.length === 0) return ok(text);
  const result = await store.copyMessages(view.mailboxId, uids, target.id);
  return ok(text, copyUidCode(result.uidValidity, result.uidMap));
}

export const copy: Command = defineCommand({
  name: 'COPY',
  states: SELECTED,
  flags: { usesSequenceNumbers: true },
  args: parseCopyArgs,
  run: (ctx, args) => runCopy(ctx, args, false),
});

export const uidCopy: Command = defineCommand({
  name: 'UID COPY',
  states: SELECTED,
  args: parseCopyArgs,
  run: (ctx, args) => runCopy(ctx, args, true),
});
