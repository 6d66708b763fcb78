// FETCH arguments: the sequence set, the attribute list (macros ALL, FAST, FULL
// expanded), sections `[1.2.HEADER.FIELDS (A B)]` and partials `<0.100>`, and
// the CONDSTORE modifier CHANGEDSINCE.

import { ImapSyntaxError, type Token } from '../parser.ts';
import { ArgReader } from './args.ts';
import type { SequenceSet } from './sequence-set.ts';

export type SimpleFetchName =
  | 'UID'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODYSTRUCTURE'
  | 'BODY'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part path, e.g. [1, 2] for `1.2`; empty for the whole message. */
  readonly part: readonly number[];
  readonly text?: SectionText;
  /** Upper-cased field names for HEADER.FIELDS(.NOT). */
  readonly fields?: readonly string[];
}

export interface Partial {
  readonly offset: number;
  readonly length: number;
}

export type FetchItem =
  | { readonly kind: 'simple'; readonly name: SimpleFetchName }
  | { readonly kind: 'body'; readonly peek: boolean; readonly section: Section; readonly partial?: Partial }
  | { readonly kind: 'binary'; readonly peek: boolean; readonly part: readonly number[]; readonly partial?: Partial }
  | { readonly kind: 'binary-size'; readonly part: readonly number[] };

export interface FetchArgs {
  readonly set: SequenceSet;
  readonly items: readonly FetchItem[];
  readonly changedSince?: number;
  /** QRESYNC's VANISHED modifier (UID FETCH with CHANGEDSINCE only). */
  readonly vanished?: boolean;
}

const SIMPLE = new Set<string>([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);

const MACROS: Record<string, readonly SimpleFetchName[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/** `FETCH sequence-set (items | macro | item) [(CHANGEDSINCE n)]` */
export function parseFetchArgs(args: ArgReader): FetchArgs {
  const set = args.sequenceSet();
  const items: FetchItem[] = [];
  const list = args.optionalList();
  if (list !== undefined) {
    if (list.done) throw new ImapSyntaxError('Empty fetch attribute list');
    while (!list.done) items.push(fetchItem(list.next('fetch attribute')));
  } else {
    const t = args.next('fetch attribute');
    const macro = t.type === 'atom' && t.section === undefined ? MACROS[t.value.toUpperCase()] : undefined;
    if (macro !== undefined) for (const name of macro) items.push({ kind: 'simple', name });
    else items.push(fetchItem(t));
  }
  let changedSince: number | undefined;
  let vanished = false;
  const modifiers = args.optionalList();
  if (modifiers !== undefined) {
    while (!modifiers.done) {
      const name = modifiers.keyword('fetch modifier');
      if (name === 'CHANGEDSINCE') changedSince = modifiers.number('mod-sequence');
      else if (name === 'VANISHED') vanished = true;
      else throw new ImapSyntaxError('Unknown fetch modifier');
    }
  }
  args.end();
  // RFC 7162 3.2.6: VANISHED only makes sense with CHANGEDSINCE.
  if (vanished && changedSince === undefined) throw new ImapSyntaxError('VANISHED needs CHANGEDSINCE');
  // CHANGEDSINCE implies MODSEQ in every response (RFC 7162 3.1.4.1).
  if (changedSince !== undefined && !items.some((i) => i.kind === 'simple' && i.name === 'MODSEQ')) {
    items.push({ kind: 'simple', name: 'MODSEQ' });
  }
  if (changedSince === undefined) return { set, items };
  return vanished ? { set, items, changedSince, vanished } : { set, items, changedSince };
}

/** One fetch attribute token. */
export function fetchItem(t: Token): FetchItem {
  if (t.type !== 'atom') throw new ImapSyntaxError('Invalid fetch attribute');
  const name = t.value.toUpperCase();
  if (t.section === undefined) {
    if (SIMPLE.has(name)) return { kind: 'simple', name: name as SimpleFetchName };
    throw new ImapSyntaxError('Invalid fetch attribute');
  }
  const partial = t.partial === undefined ? undefined : parsePartial(t.partial);
  if (name === 'BODY' || name === 'BODY.PEEK') {
    const section = parseSection(t.section);
    const peek = name === 'BODY.PEEK';
    return partial === undefined ? { kind: 'body', peek, section } : { kind: 'body', peek, section, partial };
  }
  const part = parseBinaryPart(t.section);
  if (name === 'BINARY.SIZE') {
    if (partial !== undefined) throw new ImapSyntaxError('Invalid fetch attribute');
    return { kind: 'binary-size', part };
  }
  const peek = name === 'BINARY.PEEK';
  return partial === undefined ? { kind: 'binary', peek, part } : { kind: 'binary', peek, part, partial };
}

function parsePartial(text: string): Partial {
  const m = /^(\d{1,10})\.(\d{1,10})$/.exec(text);
  if (m === null) throw new ImapSyntaxError('Invalid partial');
  const length = Number(m[2]);
  if (length === 0) throw new ImapSyntaxError('Invalid partial');
  return { offset: Number(m[1]), length };
}

function parsePartPath(text: string): number[] {
  return text.split('.').map((p) => {
    if (!/^[1-9]\d{0,8}$/.test(p)) throw new ImapSyntaxError('Invalid section');
    return Number(p);
  });
}

function parseBinaryPart(tokens: readonly Token[]): number[] {
  if (tokens.length === 0) return [];
  const t = tokens[0]!;
  if (tokens.length !== 1) throw new ImapSyntaxError('Invalid section');
  const text = t.type === 'number' ? t.raw : t.type === 'atom' ? t.value : undefined;
  if (text === undefined) throw new ImapSyntaxError('Invalid section');
  return parsePartPath(text);
}

/** `[]`, `[1.2]`, `[HEADER]`, `[1.TEXT]`, `[1.MIME]`, `[HEADER.FIELDS (A B)]`. */
export function parseSection(tokens: readonly Token[]): Section {
  if (tokens.length === 0) return { part: [] };
  const first = tokens[0]!;
  const text = first.type === 'number' ? first.raw : first.type === 'atom' && first.section === undefined ? first.value : undefined;
  if (text === undefined) throw new ImapSyntaxError('Invalid section');
  const m = /^((?:\d+\.)*\d+)?(?:\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME))?$/i.exec(text);
  if (m === null || (m[1] === undefined && m[2] === undefined)) throw new ImapSyntaxError('Invalid section');
  if (m[1] !== undefined && m[2] !== undefined && text[m[1].length] !== '.') throw new ImapSyntaxError('Invalid section');
  const part = m[1] === undefined ? [] : parsePartPath(m[1]);
  const kind = m[2]?.toUpperCase() as SectionText | undefined;
  if (kind === 'MIME' && part.length === 0) throw new ImapSyntaxError('Invalid section');
  if (kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT') {
    const rest = new ArgReader(tokens.slice(1));
    const list = rest.list('header field list');
    rest.end();
    const fields: string[] = [];
    while (!list.done) {
      const f = list.astring('header field name');
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(f)) throw new ImapSyntaxError('Invalid header field name');
      fields.push(f.toUpperCase());
    }
    if (fields.length === 0) throw new ImapSyntaxError('Empty header field list');
    return { part, text: kind, fields };
  }
  if (tokens.length !== 1) throw new ImapSyntaxError('Invalid section');
  return kind === undefined ? { part } : { part, text: kind };
}

/** The section as it appears in a response key: `1.2.HEADER.FIELDS (FROM TO)`. */
export function formatSection(section: Section): string {
  const parts: string[] = [];
  if (section.part.length > 0) parts.push(section.part.join('.'));
  if (section.text !== undefined) parts.push(section.text);
  const head = parts.join('.');
  return section.fields === undefined ? head : `${head} (${section.fields.join(' ')})`;
}

/** The response key of an item: `BODY[1.TEXT]<0>`, `BINARY.SIZE[2]`, `RFC822.SIZE`. */
export function fetchItemKey(item: FetchItem): string {
  switch (item.kind) {
    case 'simple':
      return item.name;
    case 'body':
      return `BODY[${formatSection(item.section)}]${item.partial === undefined ? '' : `<${item.partial.offset}>`}`;
    case 'binary':
      return `BINARY[${item.part.join('.')}]${item.partial === undefined ? '' : `<${item.partial.offset}>`}`;
    case 'binary-size':
      return `BINARY.SIZE[${item.part.join('.')}]`;
  }
}
