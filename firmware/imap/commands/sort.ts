// tag SORT (sort-criterion ...) charset search-key ...
// tag UID SORT (sort-criterion ...) charset search-key ...
import { atom } from '../compiler.ts';
import { MessageContent } from '../message-content.ts';
import { mapLimit } from '../message-set.ts';
import { type CommandResult, code, no, ok } from '../responses.ts';
import { findMatches } from '../search/find.ts';
import { needsEnvelope, sortValue } from '../search/sort-keys.ts';
import { parseSortArgs, type SortArgs } from '../syntax/sort.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];

async function runSort(ctx: CommandContext, args: SortArgs, byUid: boolean): Promise<CommandResult> {
  if (!CHARSETS.includes(args.charset)) return no('Unsupported charset', code('BADCHARSET', CHARSETS.map(atom)));
  const content = new MessageContent(ctx.deps.store);
  const matched = await findMatches(ctx, args.key, content);
  const envelope = args.criteria.some((c) => needsEnvelope(c.key));
  const rows = await mapLimit(matched, 16, async (m) => {
    const s = envelope ? await content.structure(m.meta) : undefined;
    return { m, values: args.criteria.map((c) => sortValue(c.key, m.meta, s)) };
  });
  rows.sort((a, b) => {
    for (let i = 0; i < args.criteria.length; i++) {
      const x = a.values[i]!;
      const y = b.values[i]!;
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return args.criteria[i]!.reverse ? -order : order;
    }
    // Equal under every criterion: mailbox order (RFC 5256 3).
    return a.m.seq - b.m.seq;
  });
  await ctx.send({ type: 'data', values: [atom('SORT'), ...rows.map((r) => (byUid ? r.m.meta.uid : r.m.seq))] });
  return ok(byUid ? 'UID SORT completed' : 'SORT completed');
}

export const sort: Command = defineCommand({
  name: 'SORT',
  states: SELECTED,
  flags: { usesSequenceNumbers: true },
  args: parseSortArgs,
  run: (ctx, args) => runSort(ctx, args, false),
});

export const uidSort: Command = defineCommand({
  name: 'UID SORT',
  states: SELECTED,
  args: parseSortArgs,
  run: (ctx, args) => runSort(ctx, args, true),
});
