// SEARCH arguments: an optional CHARSET, an optional ESEARCH RETURN list, and a
// tree of search keys (every RFC 3501 key, OR/NOT/parentheses, CONDSTORE MODSEQ).
// Top-level keys are ANDed. Strings stay undecoded Unicode text; the command
// checks the charset and answers NO [BADCHARSET] itself.

import { ImapSyntaxError, type Token } from '../parser.ts';
import { ArgReader } from './args.ts';
import { parseDate } from './dates.ts';
import { parseFlag } from './flags.ts';
import { isSequenceSetText, parseSequenceSet, type SequenceSet } from './sequence-set.ts';

export type DateComparison = 'before' | 'on' | 'since';

export type SearchKey =
  | { readonly op: 'all' }
  /** Messages with (set) or without (!set) a flag; `\Recent` included. */
  | { readonly op: 'flag'; readonly flag: string; readonly set: boolean }
  /** FROM, TO, CC, BCC, SUBJECT map to their header; HEADER names any field (upper-cased). */
  | { readonly op: 'header'; readonly field: string; readonly value: string }
  | { readonly op: 'body' | 'text'; readonly value: string }
  /** `day` is the UTC midnight of the calendar date. */
  | { readonly op: 'internaldate' | 'sentdate'; readonly cmp: DateComparison; readonly day: number }
  | { readonly op: 'larger' | 'smaller'; readonly size: number }
  | { readonly op: 'uid' | 'seq'; readonly set: SequenceSet }
  | { readonly op: 'modseq'; readonly modseq: number }
  | { readonly op: 'not'; readonly key: SearchKey }
  | { readonly op: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly op: 'and'; readonly keys: readonly SearchKey[] };

export interface SearchArgs {
  readonly charset?: string;
  /** ESEARCH RETURN options (upper-cased), when the client asked for them. */
  readonly returns?: readonly string[];
  readonly key: SearchKey;
}

const MAX_DEPTH = 64;

const FLAG_KEYS: Record<string, readonly [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  RECENT: ['\\Recent', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const DATE_KEYS: Record<string, readonly ['internaldate' | 'sentdate', DateComparison]> = {
  BEFORE: ['internaldate', 'before'],
  ON: ['internaldate', 'on'],
  SINCE: ['internaldate', 'since'],
  SENTBEFORE: ['sentdate', 'before'],
  SENTON: ['sentdate', 'on'],
  SENTSINCE: ['sentdate', 'since'],
};

/** `SEARCH [RETURN (...)] [CHARSET astring] search-key *(SP search-key)` */
export function parseSearchArgs(args: ArgReader): SearchArgs {
  let returns: string[] | undefined;
  let charset: string | undefined;
  if (args.acceptKeyword('RETURN')) {
    const list = args.list('return options');
    returns = [];
    while (!list.done) returns.push(list.keyword('return option'));
  }
  if (args.acceptKeyword('CHARSET')) charset = args.astring('charset').toUpperCase();
  const keys = readKeys(args, 0);
  if (keys.length === 0) throw new ImapSyntaxError('Missing search key');
  const key: SearchKey = keys.length === 1 ? keys[0]! : { op: 'and', keys };
  return { ...(charset === undefined ? {} : { charset }), ...(returns === undefined ? {} : { returns }), key };
}

function readKeys(args: ArgReader, depth: number): SearchKey[] {
  const keys: SearchKey[] = [];
  while (!args.done) keys.push(readKey(args, depth));
  return keys;
}

function readKey(args: ArgReader, depth: number): SearchKey {
  if (depth > MAX_DEPTH) throw new ImapSyntaxError('Search keys nested too deeply');
  const t: Token = args.next('search key');
  if (t.type === 'list') {
    const keys = readKeys(new ArgReader(t.items), depth + 1);
    if (keys.length === 0) throw new ImapSyntaxError('Empty search key list');
    return keys.length === 1 ? keys[0]! : { op: 'and', keys };
  }
  const word = t.type === 'atom' && t.section === undefined ? t.value : t.type === 'number' ? t.raw : undefined;
  if (word === undefined) throw new ImapSyntaxError('Invalid search key');
  const name = word.toUpperCase();
  const flag = FLAG_KEYS[name];
  if (flag !== undefined) return { op: 'flag', flag: flag[0], set: flag[1] };
  if (HEADER_KEYS.has(name)) return { op: 'header', field: name, value: args.astring('search string') };
  const date = DATE_KEYS[name];
  if (date !== undefined) return { op: date[0], cmp: date[1], day: parseDate(args.astring('date')) };
  switch (name) {
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
      return {
        op: 'and',
        keys: [
          { op: 'flag', flag: '\\Recent', set: true },
          { op: 'flag', flag: '\\Seen', set: false },
        ],
      };
    case 'OLD':
      return { op: 'flag', flag: '\\Recent', set: false };
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { op: 'flag', flag: parseFlag(args.atom('keyword')), set: name === 'KEYWORD' };
    case 'HEADER': {
      const field = args.astring('header field name').toUpperCase();
      return { op: 'header', field, value: args.astring('search string') };
    }
    case 'BODY':
    case 'TEXT':
      return { op: name === 'BODY' ? 'body' : 'text', value: args.astring('search string') };
    case 'LARGER':
    case 'SMALLER':
      return { op: name === 'LARGER' ? 'larger' : 'smaller', size: args.number('size', 4294967295) };
    case 'UID':
      return { op: 'uid', set: args.sequenceSet() };
    case 'NOT':
      return { op: 'not', key: readKey(args, depth + 1) };
    case 'OR': {
      const left = readKey(args, depth + 1);
      return { op: 'or', left, right: readKey(args, depth + 1) };
    }
    case 'MODSEQ': {
      // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162); the entry is ignored.
      const p = args.peek();
      if (p?.type === 'quoted' || p?.type === 'literal') {
        args.next('entry name');
        const type = args.keyword('entry type');
        if (type !== 'PRIV' && type !== 'SHARED' && type !== 'ALL') throw new ImapSyntaxError('Invalid entry type');
      }
      return { op: 'modseq', modseq: args.number('mod-sequence') };
    }
  }
  if (isSequenceSetText(word)) return { op: 'seq', set: parseSequenceSet(word) };
  throw new ImapSyntaxError('Unknown search key');
}
