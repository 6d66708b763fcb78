// The IMAP command parser: pure, from a framed command (lines + literals) to a
// tag, an upper-cased command name and a tree of typed tokens. What a token
// means (mailbox, flag, sequence set) is decided later by each command's
// argument grammar in syntax/, so this file knows no command but UID's prefix.

import type { CommandFrame } from './stream.ts';

export type Token =
  | {
      readonly type: 'atom';
      readonly value: string;
      /** Only for BODY[...] / BINARY[...] fetch attributes: the bracketed tokens. */
      readonly section?: readonly Token[];
      /** The `<...>` after a section, without the angle brackets. */
      readonly partial?: string;
    }
  | { readonly type: 'number'; readonly value: number; readonly raw: string }
  | { readonly type: 'nil' }
  | { readonly type: 'quoted'; readonly bytes: Buffer }
  | { readonly type: 'literal'; readonly bytes: Buffer; readonly binary: boolean }
  | { readonly type: 'list'; readonly items: readonly Token[] };

export interface ParsedCommand {
  readonly tag: string;
  /** Upper-cased; `UID FETCH` style for UID commands. */
  readonly name: string;
  readonly args: readonly Token[];
}

/** Malformed client input: becomes `tag BAD reason` (or `* BAD` without a tag). */
export class ImapSyntaxError extends Error {
  readonly reason: string;
  tag: string | undefined;
  constructor(reason: string, tag?: string) {
    super(reason);
    this.name = 'ImapSyntaxError';
    this.reason = reason;
    this.tag = tag;
  }
}

export const MAX_LIST_DEPTH = 32;

/** Atoms after which `[` opens a section instead of being an atom character. */
const SECTION_ATOMS = new Set(['BODY', 'BODY.PEEK', 'BINARY', 'BINARY.PEEK', 'BINARY.SIZE']);
const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c-\x7e]+$/;
const COMMAND = /^[A-Za-z][A-Za-z0-9-]*$/;

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

interface Cursor {
  seg: number;
  pos: number;
}

/** Parse one framed command. Throws ImapSyntaxError (with the tag when known). */
export function parseCommand(frame: CommandFrame): ParsedCommand {
  const first = frame.lines[0];
  if (first === undefined) throw new ImapSyntaxError('Empty command');
  const cur: Cursor = { seg: 0, pos: 0 };
  const tag = readWord(frame, cur);
  if (!TAG.test(tag)) throw new ImapSyntaxError('Invalid tag');
  try {
    if (first[cur.pos] !== SP) throw new ImapSyntaxError('Missing command');
    cur.pos++;
    let name = readWord(frame, cur).toUpperCase();
    if (!COMMAND.test(name)) throw new ImapSyntaxError('Invalid command name');
    if (name === 'UID') {
      if (first[cur.pos] !== SP) throw new ImapSyntaxError('Missing UID command');
      cur.pos++;
      const sub = readWord(frame, cur).toUpperCase();
      if (!COMMAND.test(sub)) throw new ImapSyntaxError('Invalid command name');
      name = `UID ${sub}`;
    }
    const args = readTokens(frame, cur, 0, undefined);
    return { tag, name, args };
  } catch (err) {
    if (err instanceof ImapSyntaxError) err.tag = tag;
    throw err;
  }
}

/** Tokenize argument text alone (tests, and grammars that re-read a string). */
export function tokenize(text: string | Buffer): Token[] {
  const line = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return readTokens({ lines: [line], literals: [], size: line.length }, { seg: 0, pos: 0 }, 0, undefined);
}

function readWord(frame: CommandFrame, cur: Cursor): string {
  const line = frame.lines[cur.seg]!;
  const start = cur.pos;
  while (cur.pos < line.length && line[cur.pos] !== SP) cur.pos++;
  if (cur.pos === start) throw new ImapSyntaxError('Missing command');
  return line.toString('latin1', start, cur.pos);
}

function readTokens(frame: CommandFrame, cur: Cursor, depth: number, closing: ')' | ']' | undefined): Token[] {
  const tokens: Token[] = [];
  for (;;) {
    const line = frame.lines[cur.seg]!;
    while (cur.pos < line.length && line[cur.pos] === SP) cur.pos++;
    if (cur.pos >= line.length) {
      if (closing !== undefined) throw new ImapSyntaxError(closing === ')' ? 'Unclosed list' : 'Unclosed section');
      return tokens;
    }
    const c = line[cur.pos]!;
    if (c === 0x28) {
      if (depth >= MAX_LIST_DEPTH) throw new ImapSyntaxError('Lists nested too deeply');
      cur.pos++;
      tokens.push({ type: 'list', items: readTokens(frame, cur, depth + 1, ')') });
    } else if (c === 0x29) {
      if (closing !== ')') throw new ImapSyntaxError('Unexpected )');
      cur.pos++;
      return tokens;
    } else if (c === 0x5d && closing === ']') {
      cur.pos++;
      return tokens;
    } else if (c === DQUOTE) {
      tokens.push(readQuoted(line, cur));
    } else if (c === 0x7b || (c === 0x7e && line[cur.pos + 1] === 0x7b)) {
      tokens.push(readLiteral(frame, cur));
    } else {
      tokens.push(readAtom(frame, cur, depth, closing));
    }
  }
}

function readQuoted(line: Buffer, cur: Cursor): Token {
  cur.pos++;
  const out: number[] = [];
  while (cur.pos < line.length) {
    const c = line[cur.pos++]!;
    if (c === DQUOTE) return { type: 'quoted', bytes: Buffer.from(out) };
    if (c === BACKSLASH) {
      const n = line[cur.pos++];
      if (n !== BACKSLASH && n !== DQUOTE) throw new ImapSyntaxError('Invalid escape in quoted string');
      out.push(n);
    } else if (c === 0 || c === 0x0d || c === 0x0a) {
      throw new ImapSyntaxError('Invalid character in quoted string');
    } else out.push(c);
  }
  throw new ImapSyntaxError('Unterminated quoted string');
}

function readLiteral(frame: CommandFrame, cur: Cursor): Token {
  const line = frame.lines[cur.seg]!;
  const m = /^(~?)\{(\d+)(\+?)\}$/.exec(line.toString('latin1', cur.pos));
  const literal = frame.literals[cur.seg];
  // The stream only splits at markers that end a line, so a marker elsewhere is malformed.
  if (m === null || literal === undefined) throw new ImapSyntaxError('Invalid literal');
  cur.seg++;
  cur.pos = 0;
  return { type: 'literal', bytes: literal.bytes, binary: m[1] === '~' };
}

function isAtomEnd(c: number, closing: ')' | ']' | undefined): boolean {
  return c === SP || c === 0x28 || c === 0x29 || c === DQUOTE || c === 0x7b || (c === 0x5d && closing === ']');
}

function readAtom(frame: CommandFrame, cur: Cursor, depth: number, closing: ')' | ']' | undefined): Token {
  const line = frame.lines[cur.seg]!;
  const start = cur.pos;
  while (cur.pos < line.length) {
    const c = line[cur.pos]!;
    if (c < 0x20 || c === 0x7f) throw new ImapSyntaxError('Invalid character');
    if (isAtomEnd(c, closing)) break;
    if (c === 0x5b && SECTION_ATOMS.has(line.toString('latin1', start, cur.pos).toUpperCase())) {
      const value = line.toString('latin1', start, cur.pos).toUpperCase();
      cur.pos++;
      if (depth >= MAX_LIST_DEPTH) throw new ImapSyntaxError('Lists nested too deeply');
      const section = readTokens(frame, cur, depth + 1, ']');
      const after = frame.lines[cur.seg]!;
      if (after[cur.pos] !== 0x3c) return { type: 'atom', value, section };
      const close = after.indexOf(0x3e, cur.pos);
      if (close === -1) throw new ImapSyntaxError('Unclosed partial');
      const partial = after.toString('latin1', cur.pos + 1, close);
      cur.pos = close + 1;
      return { type: 'atom', value, section, partial };
    }
    cur.pos++;
  }
  if (cur.pos === start) throw new ImapSyntaxError('Unexpected character');
  const value = line.toString('utf8', start, cur.pos);
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return { type: 'number', value: n, raw: value };
  }
  if (value.length === 3 && value.toUpperCase() === 'NIL') return { type: 'nil' };
  return { type: 'atom', value };
}
