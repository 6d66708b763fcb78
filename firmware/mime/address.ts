// RFC 5322 address lists, tolerant: groups, quoted names, comments, obsolete
// routes, encoded words, unbalanced quotes and brackets. Never throws.
import { decodeEncodedWords } from './encoded-words.ts';

export interface ParsedMailbox {
  /** Display name (quotes removed); encoded words decoded only with `decode: true`. */
  readonly name?: string;
  /** Obsolete source route, e.g. "@relay1,@relay2". */
  readonly route?: string;
  /** Local part; absent when the input had none. */
  readonly mailbox?: string;
  /** Domain; absent when the input had no '@'. */
  readonly host?: string;
}

export interface ParsedGroup {
  readonly group: string;
  readonly members: readonly ParsedMailbox[];
}

export type ParsedAddress = ParsedMailbox | ParsedGroup;

/** True for a group ("Team: a@x, b@y;"), false for a single mailbox. */
export function isGroup(a: ParsedAddress): a is ParsedGroup {
  return 'group' in a;
}

type Token =
  | { readonly kind: 'atom'; readonly text: string }
  | { readonly kind: 'quoted'; readonly text: string }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'special'; readonly text: string };

const SPECIALS = '<>@,;:';

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '"') {
      let text = '';
      let j = i + 1;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        const c = s[j]!;
        if (c !== '\r' && c !== '\n') text += c;
        j++;
      }
      if (j >= s.length) {
        // Unterminated quote: drop the stray '"' and read on, so '"Name <a@b>' still yields the address.
        i++;
        continue;
      }
      i = j + 1;
      tokens.push({ kind: 'quoted', text });
    } else if (ch === '(') {
      let depth = 1;
      let text = '';
      i++;
      while (i < s.length && depth > 0) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) {
          text += s[i + 1];
          i += 2;
          continue;
        }
        if (c === '(') depth++;
        if (c === ')') depth--;
        if (depth > 0 && c !== '\r' && c !== '\n') text += c;
        i++;
      }
      tokens.push({ kind: 'comment', text: text.trim() });
    } else if (ch === '[') {
      const close = s.indexOf(']', i);
      const end = close < 0 ? s.length : close + 1;
      tokens.push({ kind: 'literal', text: s.slice(i, end) });
      i = end;
    } else if (SPECIALS.includes(ch)) {
      tokens.push({ kind: 'special', text: ch });
      i++;
    } else {
      let j = i;
      while (j < s.length && !' \t\r\n"()[<>@,;:'.includes(s[j]!)) j++;
      if (j === i) {
        i++; // a stray ')' or ']': skip it
        continue;
      }
      tokens.push({ kind: 'atom', text: s.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

function isSpecial(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'special' && t.text === text;
}

/** A phrase (display name): words joined by one space, comments left out. */
function phraseText(tokens: readonly Token[]): string {
  return tokens
    .filter((t) => t.kind !== 'comment')
    .map((t) => t.text)
    .join(' ')
    .trim();
}

function quoteLocal(text: string): string {
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Join addr-spec tokens: words and dots without spaces; a quoted local part keeps its quotes. */
function specText(tokens: readonly Token[]): string {
  return tokens
    .filter((t) => t.kind !== 'comment')
    .map((t) => (t.kind === 'quoted' ? quoteLocal(t.text) : t.text))
    .join('');
}

function firstComment(tokens: readonly Token[]): string | undefined {
  for (const t of tokens) if (t.kind === 'comment' && t.text !== '') return t.text;
  return undefined;
}

function mailboxFromSpec(tokens: readonly Token[], name: string | undefined, route?: string): ParsedMailbox | undefined {
  let at = -1;
  for (let k = tokens.length - 1; k >= 0; k--) {
    if (isSpecial(tokens[k], '@')) {
      at = k;
      break;
    }
  }
  const words = tokens.filter((t) => t.kind !== 'comment' && t.kind !== 'special');
  if (at < 0) {
    if (words.length === 0) return name ? { name } : undefined;
    if (words.length > 1 && name === undefined) return { name: phraseText(tokens) };
    return { ...(name ? { name } : {}), ...(route ? { route } : {}), mailbox: specText(tokens) };
  }
  const local = specText(tokens.slice(0, at).filter((t) => t.kind !== 'special'));
  const host = specText(tokens.slice(at + 1).filter((t) => t.kind !== 'special'));
  return {
    ...(name ? { name } : {}),
    ...(route ? { route } : {}),
    ...(local !== '' ? { mailbox: local } : {}),
    ...(host !== '' ? { host } : {}),
  };
}

class Parser {
  readonly tokens: Token[];
  readonly decode: boolean;
  /** Index of the last '>' token: found once, so checking for a closing '>' stays O(1). */
  readonly lastClose: number;
  pos = 0;

  constructor(tokens: Token[], decode: boolean) {
    this.tokens = tokens;
    this.decode = decode;
    this.lastClose = tokens.findLastIndex((t) => isSpecial(t, '>'));
  }

  name(text: string | undefined): string | undefined {
    if (text === undefined || text === '') return undefined;
    return this.decode ? decodeEncodedWords(text) : text;
  }

  /** Tokens up to (not including) one of the stop specials. */
  until(stops: string): Token[] {
    const out: Token[] = [];
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'special' && stops.includes(t.text)) break;
      out.push(t);
      this.pos++;
    }
    return out;
  }

  /** One mailbox (name-addr or addr-spec); stops before ',' or ';' (or ':' when not in a group). */
  mailbox(inGroup: boolean): ParsedMailbox | undefined {
    const phrase = this.until(inGroup ? '<,;' : '<,;:');
    if (!isSpecial(this.tokens[this.pos], '<')) {
      return mailboxFromSpec(phrase, this.name(firstComment(phrase)));
    }
    this.pos++;
    // An unclosed '<' ends at the next ',' so it does not swallow the addresses after it.
    const closed = this.lastClose >= this.pos;
    const inner = this.until(closed ? '>' : ',;');
    if (closed) this.pos++;
    // Trailing words after '>' are junk; a comment there can still name the address.
    const trailing = this.until(',;');
    let route: string | undefined;
    let spec = inner;
    const colon = inner.findIndex((t) => isSpecial(t, ':'));
    if (colon >= 0) {
      route = specText(inner.slice(0, colon)).replace(/,+$/, '') || undefined;
      spec = inner.slice(colon + 1);
    }
    const display = phraseText(phrase) || firstComment(trailing) || firstComment(inner);
    return mailboxFromSpec(spec, this.name(display), route);
  }

  list(): ParsedAddress[] {
    const out: ParsedAddress[] = [];
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'special' && (t.text === ',' || t.text === ';' || t.text === '>')) {
        this.pos++;
        continue;
      }
      const start = this.pos;
      const phrase = this.until('<,;:');
      if (isSpecial(this.tokens[this.pos], ':')) {
        this.pos++;
        out.push({ group: this.name(phraseText(phrase)) ?? '', members: this.members() });
        continue;
      }
      this.pos = start;
      const m = this.mailbox(false);
      if (m !== undefined) out.push(m);
      if (this.pos === start) this.pos++; // always advance on junk
    }
    return out;
  }

  members(): ParsedMailbox[] {
    const members: ParsedMailbox[] = [];
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (isSpecial(t, ';')) {
        this.pos++;
        break;
      }
      if (isSpecial(t, ',') || isSpecial(t, ':') || isSpecial(t, '>')) {
        this.pos++;
        continue;
      }
      const start = this.pos;
      const m = this.mailbox(true);
      if (m !== undefined) members.push(m);
      if (this.pos === start) this.pos++;
    }
    return members;
  }
}

/**
 * Parse an address list header value (To, Cc, From ...). With `decode`,
 * display names and group names have their encoded words decoded; without
 * it they stay raw, as ENVELOPE wants. Broken input gives what can be read.
 */
export function parseAddressList(value: string, options: { readonly decode?: boolean } = {}): ParsedAddress[] {
  return new Parser(tokenize(value), options.decode === true).list();
}
