// What SELECT and EXAMINE share: load the mailbox, send its untagged state
// (RFC 3501 6.3.1 order), and make it the session's selected mailbox.

import { atom } from '../compiler.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { SYSTEM_FLAGS } from '../syntax/flags.ts';
import type { CommandContext } from './types.ts';

export async function openMailbox(ctx: CommandContext, name: string, readOnly: boolean, condstore: boolean): Promise<CommandResult> {
  const { session } = ctx;
  const { store } = ctx.deps;
  if (session.selected !== undefined) {
    // Leaving the old mailbox first: a failed SELECT leaves nothing selected (RFC 3501).
    session.selected = undefined;
    session.state = 'authenticated';
    session.updates.clear();
    await ctx.send({ type: 'status', status: 'OK', code: code('CLOSED'), text: 'Previous mailbox closed' });
  }
  const box = await store.getMailbox(session.account!.id, name);
  if (box === undefined) return no('No such mailbox', code('NONEXISTENT'));
  const messages = await store.listMessages(box.id);
  const keywords = new Set<string>();
  let firstUnseen = 0;
  messages.forEach((m, i) => {
    for (const f of m.flags) if (!f.startsWith('\\')) keywords.add(f);
    if (firstUnseen === 0 && !m.flags.includes('\\Seen')) firstUnseen = i + 1;
  });
  const flags = [...SYSTEM_FLAGS, ...[...keywords].sort()].map(atom);
  const useCondstore = condstore || session.enabled.has('CONDSTORE');
  await ctx.send({ type: 'data', values: [atom('FLAGS'), flags] });
  await ctx.send({
    type: 'status',
    status: 'OK',
    code: code('PERMANENTFLAGS', readOnly ? [] : [...flags, atom('\\*')]),
    text: readOnly ? 'No permanent flags permitted' : 'Flags permitted',
  });
  await ctx.send({ type: 'data', values: [messages.length, atom('EXISTS')] });
  await ctx.send({ type: 'data', values: [0, atom('RECENT')] });
  if (firstUnseen > 0) await ctx.send({ type: 'status', status: 'OK', code: code('UNSEEN', firstUnseen), text: 'First unseen' });
  await ctx.send({ type: 'status', status: 'OK', code: code('UIDVALIDITY', box.uidValidity), text: 'UIDs valid' });
  await ctx.send({ type: 'status', status: 'OK', code: code('UIDNEXT', box.uidNext), text: 'Predicted next UID' });
  if (useCondstore) await ctx.send({ type: 'status', status: 'OK', code: code('HIGHESTMODSEQ', box.highestModseq), text: 'Highest' });
  session.selected = {
    mailboxId: box.id,
    name: box.name,
    readOnly,
    uidValidity: box.uidValidity,
    uids: messages.map((m) => m.uid),
    condstore: useCondstore,
  };
  session.state = 'selected';
  return ok(readOnly ? 'EXAMINE completed' : 'SELECT completed', code(readOnly ? 'READ-ONLY' : 'READ-WRITE'));
}
