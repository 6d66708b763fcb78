// The seam through which a search index (kept by the store room, fed with the
// MIME room's search text at delivery) narrows BODY and TEXT searches to
// candidates. Search stays exact without one: every candidate is confirmed.

import { normalizeSearchText } from '../../mime/index.ts';
import type { MessageMeta } from '../../store/types.ts';
import type { SearchKey } from '../syntax/search.ts';

/**
 * UIDs of a mailbox that may contain every one of `terms` (each normalised
 * with the MIME room's normalizeSearchText) somewhere in their search text.
 * It must include every message it cannot rule out (a message whose indexed
 * text was truncated, for one). Resolves undefined when it cannot narrow.
 */
export type SearchCandidates = (
  mailboxId: string,
  terms: readonly string[],
  /** The messages to narrow when the caller has them listed already: only their bodies are looked up. */
  messages?: readonly MessageMeta[],
) => Promise<ReadonlySet<number> | undefined>;

/**
 * BODY and TEXT strings every match must contain: those ANDed at the top of
 * the key tree (not under NOT or OR), so a candidate set may cut the rest.
 */
export function requiredTerms(key: SearchKey): string[] {
  switch (key.op) {
    case 'body':
    case 'text': {
      const term = normalizeSearchText(key.value);
      return term === '' ? [] : [term];
    }
    case 'and':
      return key.keys.flatMap(requiredTerms);
    default:
      return [];
  }
}
