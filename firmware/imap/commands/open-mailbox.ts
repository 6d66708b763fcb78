// What SELECT and EXAMINE share: load the mailbox, send its untagged state
// (RFC 3501 6.3.1 order), and make it the session's selected mailbox.

import type { Mailbox, MessageMeta } from '../../store/types.ts';
import { atom } from '../compiler.ts';
import { MailboxView } from '../mailbox-view.ts';
import { absentUids } from '../message-set.ts';
import { bad, type CommandResult, code, no, ok } from '../responses.ts';
import type { SelectArgs } from '../syntax/commands.ts';
import { SYSTEM_FLAGS } from '../syntax/flags.ts';
import { STAR } from '../syntax/sequence-set.ts';
import type { CommandContext } from './types.ts';

export async function openMailbox(ctx: CommandContext, args: SelectArgs, readOnly: boolean): Promise<CommandResult> {
  const { session } = ctx;
  const { store } = ctx.deps;
  const { mailbox: name, condstore, qresync } = args;
  // RFC 7162 3.2.5: the QRESYNC parameter needs ENABLE QRESYNC first.
  if (qresync !== undefined && !session.enabled.has('QRESYNC')) return bad('ENABLE QRESYNC first');
  if (session.selected !== undefined) {
    // Leaving the old mailbox first: a failed SELECT leaves nothing selected (RFC 3501).
    session.selected = undefined;
    session.state = 'authenticated';
    session.updates.clear();
    await ctx.send({ type: 'status', status: 'OK', code: code('CLOSED'), text: 'Previous mailbox closed' });
  }
  const box = await store.getMailbox(session.account!.id, name);
  if (box === undefined) return no('No such mailbox', code('NONEXISTENT'));
  const useCondstore = condstore || session.enabled.has('CONDSTORE');
  const view = new MailboxView({
    mailboxId: box.id,
    name: box.name,
    readOnly,
    uidValidity: box.uidValidity,
    condstore: useCondstore,
    qresync: session.enabled.has('QRESYNC'),
  });
  // Selected before the listing: changes committed while it is read are recorded, and sync() reconciles them.
  session.selected = view;
  // QRESYNC needs each message's flags; a plain SELECT only the compact index.
  let messages: MessageMeta[] | undefined;
  let firstUnseen = 0;
  let highestModseq: number;
  let after: Mailbox;
  try {
    const cache = ctx.deps.messageCache;
    if (qresync === undefined && cache !== undefined) {
      // the listener's copy of the listing: a repeated SELECT lists nothing
      const listing = await cache.listing(box);
      const summary = listing.summary();
      view.loadIndex(summary.uids, summary.modseqs, summary.flags);
      firstUnseen = summary.firstUnseen;
      highestModseq = listing.highestModseq;
      after = { ...box, uidNext: listing.uidNext };
    } else if (qresync === undefined) {
      const index = await store.getMailboxIndex(box.id);
      if (index === undefined) {
        session.selected = undefined;
        return no('No such mailbox', code('NONEXISTENT'));
      }
      view.loadIndex(index.uids, index.modseqs, index.keywords);
      firstUnseen = index.firstUnseen;
      highestModseq = index.highestModseq;
      after = index.mailbox;
    } else {
      // HIGHESTMODSEQ from before the listing (a change during it is told again), UIDNEXT from after.
      const before = (await store.getMailboxById(box.id)) ?? box;
      messages = await store.listMessages(box.id);
      after = (await store.getMailboxById(box.id)) ?? before;
      highestModseq = before.highestModseq;
      view.load(messages);
      firstUnseen = messages.findIndex((m) => !m.flags.includes('\\Seen')) + 1;
    }
  } catch (err) {
    session.selected = undefined;
    throw err;
  }
  const flags = [...SYSTEM_FLAGS, ...view.keywordList()].map(atom);
  await ctx.send({ type: 'data', values: [atom('FLAGS'), flags] });
  await ctx.send({
    type: 'status',
    status: 'OK',
    code: code('PERMANENTFLAGS', readOnly ? [] : [...flags, atom('\\*')]),
    text: readOnly ? 'No permanent flags permitted' : 'Flags permitted',
  });
  await ctx.send({ type: 'data', values: [view.exists, atom('EXISTS')] });
  // \Recent is not kept (IMAP4rev2 dropped it): no message is ever recent.
  await ctx.send({ type: 'data', values: [0, atom('RECENT')] });
  if (firstUnseen > 0) await ctx.send({ type: 'status', status: 'OK', code: code('UNSEEN', firstUnseen), text: 'First unseen' });
  await ctx.send({ type: 'status', status: 'OK', code: code('UIDVALIDITY', box.uidValidity), text: 'UIDs valid' });
  await ctx.send({ type: 'status', status: 'OK', code: code('UIDNEXT', after.uidNext), text: 'Predicted next UID' });
  if (view.condstore) await ctx.send({ type: 'status', status: 'OK', code: code('HIGHESTMODSEQ', highestModseq), text: 'Highest' });
  // Quick resynchronization: what vanished and what changed since the client's last visit (RFC 7162 3.2.5.1).
  if (qresync !== undefined && messages !== undefined && qresync.uidValidity === box.uidValidity) {
    const known = qresync.knownUids ?? { saved: false, ranges: [{ from: 1, to: STAR }] };
    const vanished = absentUids(known, view.uids, after.uidNext - 1);
    if (vanished !== '') await ctx.send({ type: 'data', values: [atom('VANISHED'), [atom('EARLIER')], atom(vanished)] });
    for (const m of messages) {
      if (m.modseq <= qresync.modseq) continue;
      await ctx.send({ type: 'data', values: [view.seqOf(m.uid), atom('FETCH'), view.flagsItems(m.uid, m.flags, m.modseq)] });
    }
  }
  session.state = 'selected';
  return ok(readOnly ? 'EXAMINE completed' : 'SELECT completed', code(readOnly ? 'READ-ONLY' : 'READ-WRITE'));
}
