// tag SEARCH [RETURN (...)] [CHARSET charset] search-key ...
// tag UID SEARCH [RETURN (...)] [CHARSET charset] search-key ...
import { atom, type ImapValue } from '../compiler.ts';
import { MessageContent } from '../message-content.ts';
import { bad, type CommandResult, code, no, ok } from '../responses.ts';
import { findMatches } from '../search/find.ts';
import { parseSearchArgs, type SearchArgs, type SearchKey } from '../syntax/search.ts';
import { formatSequenceSet } from '../syntax/sequence-set.ts';
import { enableCondstore } from './condstore.ts';
import { type Command, type CommandContext, defineCommand, SELECTED } from './types.ts';

/** Charsets a search string may be declared in; strings arrive as UTF-8 (US-ASCII is a subset). */
const CHARSETS = new Set(['UTF-8', 'US-ASCII']);
const ESEARCH_RETURNS = new Set(['MIN', 'MAX', 'ALL', 'COUNT']);

function usesModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(key.key);
    case 'or':
      return usesModseq(key.left) || usesModseq(key.right);
    case 'and':
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}

async function runSearch(ctx: CommandContext, args: SearchArgs, byUid: boolean): Promise<CommandResult> {
  const { store } = ctx.deps;
  if (args.charset !== undefined && !CHARSETS.has(args.charset)) {
    return no('Unsupported charset', code('BADCHARSET', [...CHARSETS].map(atom)));
  }
  // RFC 4731: the RETURN options this server knows; SAVE (SEARCHRES) is not offered.
  if (args.returns?.some((r) => !ESEARCH_RETURNS.has(r))) return bad('Unknown RETURN option');
  const modseq = usesModseq(args.key);
  if (modseq) await enableCondstore(ctx);
  const matched = await findMatches(ctx, args.key, new MessageContent(store));
  matched.sort((a, b) => a.seq - b.seq);
  const numbers = matched.map((m) => (byUid ? m.meta.uid : m.seq));
  const highest = matched.reduce((n, m) => Math.max(n, m.meta.modseq), 0);
  const text = byUid ? 'UID SEARCH completed' : 'SEARCH completed';
  if (args.returns !== undefined) {
    await ctx.send({ type: 'data', values: esearch(ctx.tag, byUid, args.returns, numbers, modseq ? highest : 0) });
    return ok(text);
  }
  const values: ImapValue[] = [atom('SEARCH'), ...numbers];
  // RFC 7162 3.1.5: the highest mod-sequence of the messages found, when any were.
  if (modseq && numbers.length > 0) values.push([atom('MODSEQ'), highest]);
  await ctx.send({ type: 'data', values });
  return ok(text);
}

/** `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set` (RFC 4731); an empty RETURN list means ALL. */
function esearch(tag: string, byUid: boolean, returns: readonly string[], numbers: readonly number[], modseq: number): ImapValue[] {
  const wanted = returns.length === 0 ? ['ALL'] : returns;
  const values: ImapValue[] = [atom('ESEARCH'), [atom('TAG'), tag]];
  if (byUid) values.push(atom('UID'));
  if (numbers.length > 0) {
    if (wanted.includes('MIN')) values.push(atom('MIN'), numbers[0]!);
    if (wanted.includes('MAX')) values.push(atom('MAX'), numbers[numbers.length - 1]!);
  }
  if (wanted.includes('COUNT')) values.push(atom('COUNT'), numbers.length);
  if (wanted.includes('ALL') && numbers.length > 0) values.push(atom('ALL'), atom(formatSequenceSet(numbers)));
  if (modseq > 0) values.push(atom('MODSEQ'), modseq);
  return values;
}

export const search: Command = defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  flags: { usesSequenceNumbers: true },
  args: parseSearchArgs,
  run: (ctx, args) => runSearch(ctx, args, false),
});

export const uidSearch: Command = defineCommand({
  name: 'UID SEARCH',
  states: SELECTED,
  args: parseSearchArgs,
  run: (ctx, args) => runSearch(ctx, args, true),
});
