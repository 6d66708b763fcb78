// SEARCH key evaluation in two passes. The quick pass decides what metadata
// alone can decide (flags, UIDs, sizes, internal dates, modseqs), with
// "unknown" for keys that need the message; only messages still unknown get
// the full pass, which reads what each key needs, cheapest first: the stored
// structure (Date header), the header block, the indexed text, the blob.
// String matching is the MIME room's: normalised, case-insensitive substring.

import {
  bodySearchText,
  decodeHeaderValue,
  type HeaderField,
  type MessageStructure,
  normalizeSearchText,
  parseHeaderBlock,
  searchText,
} from '../../mime/index.ts';
import type { MessageMeta } from '../../store/types.ts';
import type { MessageContent } from '../message-content.ts';
import { MONTHS } from '../syntax/dates.ts';
import type { DateComparison, SearchKey } from '../syntax/search.ts';
import { containsNumber } from '../syntax/sequence-set.ts';

/** What the keys compare against, besides the message itself. */
export interface SearchScope {
  /** Messages in the view (for `*` in sequence sets). */
  readonly count: number;
  /** Highest UID in the view (for `*` in UID sets). */
  readonly maxUid: number;
  /**
   * The messages evaluated were narrowed by the search index for the BODY
   * and TEXT terms: nearly all of them match, so BODY decodes the body at
   * once instead of first reading the indexed text to rule the message out.
   */
  readonly narrowed?: boolean;
}

export interface Candidate {
  readonly meta: MessageMeta;
  readonly seq: number;
}

const DAY = 86_400_000;

function compareDay(day: number, cmp: DateComparison, wanted: number): boolean {
  if (cmp === 'before') return day < wanted;
  if (cmp === 'on') return day === wanted;
  return day >= wanted;
}

function hasFlag(meta: MessageMeta, flag: string): boolean {
  // \Recent is not kept: no message has it.
  if (flag === '\\Recent') return false;
  const lower = flag.toLowerCase();
  return meta.flags.some((f) => f.toLowerCase() === lower);
}

/** The metadata-only verdict: true, false, or undefined when the message must be read. */
export function quick(key: SearchKey, m: Candidate, scope: SearchScope): boolean | undefined {
  switch (key.op) {
    case 'all':
      return true;
    case 'flag':
      return hasFlag(m.meta, key.flag) === key.set;
    case 'internaldate':
      return compareDay(Math.floor(m.meta.internalDate / DAY) * DAY, key.cmp, key.day);
    case 'larger':
      return m.meta.size > key.size;
    case 'smaller':
      return m.meta.size < key.size;
    case 'uid':
      return containsNumber(key.set, m.meta.uid, scope.maxUid);
    case 'seq':
      return containsNumber(key.set, m.seq, scope.count);
    case 'modseq':
      return m.meta.modseq >= key.modseq;
    case 'not': {
      const v = quick(key.key, m, scope);
      return v === undefined ? undefined : !v;
    }
    case 'or': {
      const l = quick(key.left, m, scope);
      if (l === true) return true;
      const r = quick(key.right, m, scope);
      if (r === true) return true;
      return l === false && r === false ? false : undefined;
    }
    case 'and': {
      let unknown = false;
      for (const k of key.keys) {
        const v = quick(k, m, scope);
        if (v === false) return false;
        if (v === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    }
    case 'header':
    case 'sentdate':
    case 'body':
    case 'text':
      return undefined;
  }
}

/** How much reading a key costs at most: ANDed and ORed keys are tried cheapest first. */
function cost(key: SearchKey): number {
  switch (key.op) {
    case 'sentdate':
      return 1;
    case 'header':
      return 2;
    case 'text':
      return 3;
    case 'body':
      return 4;
    case 'not':
      return cost(key.key);
    case 'or':
      return Math.max(cost(key.left), cost(key.right));
    case 'and':
      return key.keys.reduce((n, k) => Math.max(n, cost(k)), 0);
    default:
      return 0;
  }
}

/** What the full pass has read of one message, read at most once. */
class MessageReader {
  private readonly meta: MessageMeta;
  private readonly content: MessageContent;
  private header: Promise<HeaderField[]> | undefined;
  private blob: Promise<Buffer> | undefined;

  constructor(meta: MessageMeta, content: MessageContent) {
    this.meta = meta;
    this.content = content;
  }

  structure(): Promise<MessageStructure> {
    return this.content.structure(this.meta);
  }

  fields(): Promise<HeaderField[]> {
    this.header ??= (async () => {
      const root = (await this.structure()).root;
      const bytes = await this.content.read(this.meta, root.headerStart, root.headerEnd);
      return parseHeaderBlock(bytes).fields;
    })();
    return this.header;
  }

  body(): Promise<Buffer> {
    this.blob ??= this.content.read(this.meta, 0, this.meta.size);
    return this.blob;
  }

  /** The search text indexed at delivery, when it is complete (one read gives it and the structure). */
  async indexedText(): Promise<string | undefined> {
    const info = await this.content.info(this.meta);
    const s = await this.content.structure(this.meta, info);
    return info?.text !== undefined && s.textTruncated !== true ? info.text : undefined;
  }
}

/** The calendar day of the Date header as written (RFC 3501: disregarding time and timezone). */
function sentDay(s: MessageStructure): number | undefined {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4}|\d{2})\b/.exec(s.envelope.date ?? '');
  const month = m === null ? -1 : MONTHS.findIndex((name) => name.toLowerCase() === m[2]!.toLowerCase());
  if (m !== null && month >= 0) {
    let year = Number(m[3]);
    if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
    return Date.UTC(year, month, Number(m[1]));
  }
  return s.sentAt === undefined ? undefined : Math.floor(s.sentAt / DAY) * DAY;
}

/** The full verdict, reading only what the undecided keys need. */
export async function matches(key: SearchKey, m: Candidate, scope: SearchScope, content: MessageContent): Promise<boolean> {
  return evaluate(key, m, scope, new MessageReader(m.meta, content));
}

async function evaluate(key: SearchKey, m: Candidate, scope: SearchScope, reader: MessageReader): Promise<boolean> {
  const known = quick(key, m, scope);
  if (known !== undefined) return known;
  switch (key.op) {
    case 'not':
      return !(await evaluate(key.key, m, scope, reader));
    case 'or': {
      const [first, second] = cost(key.left) <= cost(key.right) ? [key.left, key.right] : [key.right, key.left];
      return (await evaluate(first, m, scope, reader)) || evaluate(second, m, scope, reader);
    }
    case 'and': {
      for (const k of [...key.keys].sort((a, b) => cost(a) - cost(b))) {
        if (!(await evaluate(k, m, scope, reader))) return false;
      }
      return true;
    }
    case 'sentdate': {
      const day = sentDay(await reader.structure());
      return day !== undefined && compareDay(day, key.cmp, key.day);
    }
    case 'header': {
      const name = key.field.toLowerCase();
      const fields = (await reader.fields()).filter((f) => f.key === name);
      // An empty string matches every message that has the field (RFC 3501 6.4.4).
      if (key.value === '') return fields.length > 0;
      const wanted = normalizeSearchText(key.value);
      return fields.some((f) => normalizeSearchText(decodeHeaderValue(f)).includes(wanted));
    }
    case 'text': {
      const wanted = normalizeSearchText(key.value);
      if (wanted === '') return true;
      const indexed = await reader.indexedText();
      if (indexed !== undefined) return indexed.includes(wanted);
      return searchText(await reader.body(), await reader.structure()).includes(wanted);
    }
    case 'body': {
      const wanted = normalizeSearchText(key.value);
      if (wanted === '') return true;
      // The indexed text holds the body's text and more: not in it, not in the body.
      if (scope.narrowed !== true) {
        const indexed = await reader.indexedText();
        if (indexed !== undefined && !indexed.includes(wanted)) return false;
      }
      return bodySearchText(await reader.body(), await reader.structure()).includes(wanted);
    }
    default:
      return false;
  }
}
