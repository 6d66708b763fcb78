// The messages of the selected mailbox that match a search key, as SEARCH and
// SORT need them: the quick pass over metadata for all, the candidates seam
// for BODY/TEXT, then the full pass only for messages still undecided.

import type { CommandContext } from '../commands/types.ts';
import type { MessageContent } from '../message-content.ts';
import { mapLimit } from '../message-set.ts';
import { ImapSyntaxError } from '../parser.ts';
import type { SearchKey } from '../syntax/search.ts';
import { requiredTerms } from './candidates.ts';
import { type Candidate, matches, quick } from './evaluate.ts';

/** Messages read at the same time by the full pass (each waits on a store round trip and a file read). */
const PARALLEL = 16;
/** Candidates up to this many have their structures read in one call before the full pass. */
const PRELOAD_STRUCTURES = 2048;

/** Does the key use `$` (SEARCHRES, RFC 5182), which this server does not offer? */
function usesSaved(key: SearchKey): boolean {
  switch (key.op) {
    case 'uid':
    case 'seq':
      return key.set.saved;
    case 'not':
      return usesSaved(key.key);
    case 'or':
      return usesSaved(key.left) || usesSaved(key.right);
    case 'and':
      return key.keys.some(usesSaved);
    default:
      return false;
  }
}

/** Matching messages (metadata and sequence number), in no particular order. Throws ImapSyntaxError (BAD) for `$`. */
export async function findMatches(ctx: CommandContext, key: SearchKey, content: MessageContent): Promise<Candidate[]> {
  if (usesSaved(key)) throw new ImapSyntaxError('No saved search result');
  const view = ctx.session.selected!;
  // Messages expunged by others but not yet told stay numbered; the store no longer has them and they match nothing.
  const cache = ctx.deps.messageCache;
  const listing = cache?.has(view.mailboxId) === true ? await cache.listingById(view.mailboxId) : undefined;
  const metas = listing?.messages ?? (await ctx.deps.store.listMessages(view.mailboxId));
  const scope = { count: view.exists, maxUid: view.uids.at(-1) ?? 0 };
  const matched: Candidate[] = [];
  const undecided: Candidate[] = [];
  for (const meta of metas) {
    const seq = view.seqOf(meta.uid);
    if (seq === 0) continue;
    const m = { meta, seq };
    const verdict = quick(key, m, scope);
    if (verdict === true) matched.push(m);
    else if (verdict === undefined) undecided.push(m);
  }
  let toRead = undecided;
  let narrowed = false;
  const terms = requiredTerms(key);
  if (toRead.length > 0 && terms.length > 0 && ctx.deps.searchCandidates !== undefined) {
    const candidates = await ctx.deps.searchCandidates(
      view.mailboxId,
      terms,
      toRead.map((m) => m.meta),
    );
    if (candidates !== undefined) {
      toRead = toRead.filter((m) => candidates.has(m.meta.uid));
      narrowed = true;
    }
  }
  if (narrowed && toRead.length > 0 && toRead.length <= PRELOAD_STRUCTURES) {
    // the structures of a few candidates in one store call, without their search text
    content.install(
      await content.load(
        toRead.map((m) => m.meta),
        { structures: true, heads: false },
      ),
    );
  }
  const full = narrowed ? { ...scope, narrowed } : scope;
  const verdicts = await mapLimit(toRead, PARALLEL, (m) => matches(key, m, full, content));
  toRead.forEach((m, i) => {
    if (verdicts[i]) matched.push(m);
  });
  return matched;
}
