// SORT arguments (RFC 5256, DISPLAY from RFC 5957):
// `SORT (sort-criterion ...) charset search-key ...`

import { ImapSyntaxError } from '../parser.ts';
import { ArgReader } from './args.ts';
import { parseSearchArgs, type SearchKey } from './search.ts';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

export interface SortArgs {
  readonly criteria: readonly SortCriterion[];
  /** Upper-cased; SORT always names one. */
  readonly charset: string;
  readonly key: SearchKey;
}

const KEYS = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

export function parseSortArgs(args: ArgReader): SortArgs {
  const list = args.list('sort criteria');
  const criteria: SortCriterion[] = [];
  let reverse = false;
  while (!list.done) {
    const word = list.keyword('sort criterion');
    if (word === 'REVERSE') {
      if (reverse) throw new ImapSyntaxError('Invalid sort criteria');
      reverse = true;
      continue;
    }
    if (!KEYS.has(word)) throw new ImapSyntaxError('Unknown sort criterion');
    criteria.push({ key: word as SortKey, reverse });
    reverse = false;
  }
  if (reverse || criteria.length === 0) throw new ImapSyntaxError('Invalid sort criteria');
  const charset = args.astring('charset').toUpperCase();
  const search = parseSearchArgs(new ArgReader(args.rest()));
  if (search.charset !== undefined || search.returns !== undefined) throw new ImapSyntaxError('Invalid search criteria');
  return { criteria, charset, key: search.key };
}
