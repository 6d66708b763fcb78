// tag STORE sequence-set [(UNCHANGEDSINCE modseq)] [+|-]FLAGS[.SILENT] (flag ...)
// tag UID STORE sequence-set [(UNCHANGEDSINCE modseq)] [+|-]FLAGS[.SILENT] (flag ...)
import { atom, type ImapValue } from '../compiler.ts';
import { flagAtoms } from '../mailbox-view.ts';
import { loadMessages, resolveSet } from '../message-set.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { formatSequenceSet } from '../syntax/sequence-set.ts';
import { parseStoreArgs, type StoreArgs } from '../syntax/store.ts';
import { enableCondstore } from './condstore.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

async function runStore(ctx: CommandContext, args: StoreArgs, byUid: boolean): Promise<CommandResult> {
  const view = ctx.session.selected!;
  const { store } = ctx.deps;
  if (view.readOnly) return no('Mailbox is read-only', code('READ-ONLY'));
  const uids = resolveSet(view, args.set, byUid);
  if (args.unchangedSince !== undefined) await enableCondstore(ctx);
  const result =
    uids.length === 0
      ? { changed: [], modified: [] }
      : await store.setFlags(view.mailboxId, uids, args.op, args.flags, {
          ...(args.unchangedSince === undefined ? {} : { unchangedSince: args.unchangedSince }),
        });
  // A keyword new to the mailbox is announced before the FETCH responses that carry it.
  view.noteKeywords(args.op === 'remove' ? [] : args.flags);
  for (const update of view.flagsAnnouncement()) await ctx.send(update);
  const changed = new Map(result.changed.map((c) => [c.uid, c]));
  const modified = new Set(result.modified);
  const silent = args.silent;
  // .SILENT still reports the new MODSEQ of changed messages under CONDSTORE (RFC 7162 3.2).
  const report = silent ? (view.condstore ? uids.filter((u) => changed.has(u)) : []) : uids.filter((u) => !modified.has(u));
  const unchanged = report.filter((u) => !changed.has(u));
  const current = new Map((await loadMessages(store, view.mailboxId, unchanged)).map((m) => [m.uid, m]));
  for (const uid of report) {
    const c = changed.get(uid);
    const now = c ?? current.get(uid);
    const seq = view.seqOf(uid);
    if (now === undefined || seq === 0) continue;
    const items: ImapValue[] = [];
    if (byUid || view.condstore) items.push(atom('UID'), uid);
    if (!silent) items.push(atom('FLAGS'), flagAtoms(now.flags));
    if (view.condstore) items.push(atom('MODSEQ'), [now.modseq]);
    view.reported(uid, now.modseq);
    await ctx.send({ type: 'data', values: [seq, atom('FETCH'), items] });
  }
  // Changes this session did not report (.SILENT) are its own: they must not come back as updates.
  for (const c of result.changed) view.reported(c.uid, c.modseq);
  const text = byUid ? 'UID STORE completed' : 'STORE completed';
  if (result.modified.length === 0) return ok(text);
  const failed = [...result.modified]
    .sort((a, b) => a - b)
    .map((uid) => (byUid ? uid : view.seqOf(uid)))
    .filter((n) => n > 0);
  if (failed.length === 0) return ok(text);
  return ok('Conditional STORE failed', code('MODIFIED', atom(formatSequenceSet(failed))));
}

export const storeCommand: Command = defineCommand({
  name: 'STORE',
  states: SELECTED,
  flags: { usesSequenceNumbers: true },
  args: parseStoreArgs,
  run: (ctx, args) => runStore(ctx, args, false),
});

export const uidStore: Command = defineCommand({
  name: 'UID STORE',
  states: SELECTED,
  args: parseStoreArgs,
  run: (ctx, args) => runStore(ctx, args, true),
});
