// A cursor over a command's tokens with typed readers (astring, mailbox,
// number, list, sequence set). Every command grammar is written with it, and
// every mismatch throws ImapSyntaxError with a short reason for the BAD reply.

import { ImapSyntaxError, type Token } from '../parser.ts';
import { decodeMailboxName, normalizeMailboxName } from './mailbox-name.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';

export class ArgReader {
  private readonly tokens: readonly Token[];
  private index = 0;

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  get remaining(): number {
    return this.tokens.length - this.index;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  /** The next token, whatever it is; `what` names it in the error. */
  next(what: string): Token {
    const t = this.tokens[this.index];
    if (t === undefined) throw new ImapSyntaxError(`Missing ${what}`);
    this.index++;
    return t;
  }

  /** No more arguments allowed. */
  end(): void {
    if (!this.done) throw new ImapSyntaxError('Unexpected extra arguments');
  }

  /** A bare atom (no section), as sent. */
  atom(what: string): string {
    const t = this.next(what);
    if (t.type === 'atom' && t.section === undefined) return t.value;
    if (t.type === 'number') return t.raw;
    if (t.type === 'nil') return 'NIL';
    throw new ImapSyntaxError(`Invalid ${what}`);
  }

  /** An atom upper-cased, for keywords such as FLAGS or CHARSET. */
  keyword(what: string): string {
    return this.atom(what).toUpperCase();
  }

  /** Is the next token the given keyword (case-insensitive)? Consumes it when so. */
  acceptKeyword(word: string): boolean {
    const t = this.peek();
    if (t?.type === 'atom' && t.section === undefined && t.value.toUpperCase() === word) {
      this.index++;
      return true;
    }
    if (t?.type === 'nil' && word === 'NIL') {
      this.index++;
      return true;
    }
    return false;
  }

  number(what: string, max = Number.MAX_SAFE_INTEGER): number {
    const t = this.next(what);
    if (t.type !== 'number' || t.value > max) throw new ImapSyntaxError(`Invalid ${what}`);
    return t.value;
  }

  nzNumber(what: string, max = 4294967295): number {
    const n = this.number(what, max);
    if (n === 0) throw new ImapSyntaxError(`Invalid ${what}`);
    return n;
  }

  /** astring as bytes: atom, quoted or literal. */
  astringBytes(what: string): Buffer {
    const t = this.next(what);
    switch (t.type) {
      case 'quoted':
      case 'literal':
        return t.bytes;
      case 'atom':
        if (t.section !== undefined) break;
        return Buffer.from(t.value, 'utf8');
      case 'number':
        return Buffer.from(t.raw, 'latin1');
      case 'nil':
        return Buffer.from('NIL', 'latin1');
    }
    throw new ImapSyntaxError(`Invalid ${what}`);
  }

  /** astring as UTF-8 text. */
  astring(what: string): string {
    return this.astringBytes(what).toString('utf8');
  }

  /** nstring: NIL or a string. */
  nstring(what: string): string | null {
    if (this.peek()?.type === 'nil') {
      this.index++;
      return null;
    }
    const t = this.next(what);
    if (t.type === 'quoted' || t.type === 'literal') return t.bytes.toString('utf8');
    throw new ImapSyntaxError(`Invalid ${what}`);
  }

  /** A mailbox name, decoded from modified UTF-7, INBOX normalized. */
  mailbox(what = 'mailbox name'): string {
    const name = normalizeMailboxName(decodeMailboxName(this.astring(what)));
    if (name.length === 0) throw new ImapSyntaxError(`Empty ${what}`);
    return name;
  }

  /** A parenthesized list, as a reader over its items. */
  list(what: string): ArgReader {
    const t = this.next(what);
    if (t.type !== 'list') throw new ImapSyntaxError(`Invalid ${what}`);
    return new ArgReader(t.items);
  }

  /** A list when the next token is one, else undefined. */
  optionalList(): ArgReader | undefined {
    const t = this.peek();
    if (t?.type !== 'list') return undefined;
    this.index++;
    return new ArgReader(t.items);
  }

  /** True when the next token is a list. */
  nextIsList(): boolean {
    return this.peek()?.type === 'list';
  }

  sequenceSet(what = 'sequence set'): SequenceSet {
    return parseSequenceSet(this.atom(what));
  }

  /** The rest of the tokens (for grammars that recurse). */
  rest(): readonly Token[] {
    const r = this.tokens.slice(this.index);
    this.index = this.tokens.length;
    return r;
  }
}
