// Structured MIME header values: "value; name=token; name=\"quoted\"" with
// comments, RFC 2231 continuations and charsets, and the encoded words some
// mailers put in parameters anyway.
import { Buffer } from 'node:buffer';
import { decodeCharset } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import type { MimeParams } from './types.ts';

export interface ParameterizedValue {
  /** The value before the first ';', comments removed, trimmed (case kept). */
  readonly value: string;
  readonly params: MimeParams;
}

/** Remove RFC 5322 comments outside quoted strings (nesting and escapes honoured, unterminated ones run to the end). */
export function stripComments(s: string): string {
  if (!s.includes('(')) return s;
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += ch + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') {
      depth++;
      continue;
    }
    if (!quoted && depth > 0 && ch === ')') {
      depth--;
      if (depth === 0) out += ' ';
      continue;
    }
    if (depth === 0) out += ch;
  }
  return out;
}

/** Split on ';' outside quoted strings. */
function splitParams(s: string): string[] {
  const pieces: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && quoted) {
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ';' && !quoted) {
      pieces.push(s.slice(from, i));
      from = i + 1;
    }
  }
  pieces.push(s.slice(from));
  return pieces;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (!v.startsWith('"')) return v;
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\') {
      out += v[i + 1] ?? '';
      i++;
    } else if (ch === '"') {
      return out;
    } else {
      out += ch;
    }
  }
  return out; // unterminated: take the rest
}

function percentBytes(s: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  return bytes;
}

interface Segment {
  readonly index: number;
  readonly extended: boolean;
  readonly value: string;
}

/** Join RFC 2231 segments name*0, name*1*, ... (in index order, up to the first gap) and decode their charset. */
function joinSegments(segments: Segment[]): string {
  segments.sort((a, b) => a.index - b.index);
  let charset: string | undefined;
  const bytes: number[] = [];
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    if (seg.index !== k && !(k === 0 && seg.index === -1)) break;
    let text = seg.value;
    if (seg.extended && k === 0) {
      const q1 = text.indexOf("'");
      const q2 = q1 >= 0 ? text.indexOf("'", q1 + 1) : -1;
      if (q2 >= 0) {
        charset = text.slice(0, q1) || undefined;
        text = text.slice(q2 + 1);
      }
    }
    if (seg.extended) bytes.push(...percentBytes(text));
    else for (const b of Buffer.from(text, 'utf8')) bytes.push(b);
  }
  return decodeCharset(Uint8Array.from(bytes), charset);
}

/**
 * Parse "value; a=b; c*0*=utf-8''%41; c*1=x" into the value and decoded
 * parameters in order of first appearance. Names are lower-cased; the first
 * of duplicate plain parameters wins; an RFC 2231 form wins over a plain one.
 * Encoded words in values are decoded except in `boundary`, which must stay
 * byte-exact.
 */
export function parseParameterized(raw: string): ParameterizedValue {
  const pieces = splitParams(stripComments(raw));
  const value = (pieces[0] ?? '').trim();
  const order: string[] = [];
  const plain = new Map<string, string>();
  const segmented = new Map<string, Segment[]>();
  for (const piece of pieces.slice(1)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const rawName = piece.slice(0, eq).trim().toLowerCase();
    if (rawName === '' || /\s/.test(rawName)) continue;
    const rawValue = piece.slice(eq + 1);
    const m = /^([^*]+)\*(?:(\d{1,3})(\*)?)?$/.exec(rawName);
    if (m) {
      const name = m[1]!;
      const index = m[2] === undefined ? -1 : Number(m[2]);
      const extended = m[2] === undefined || m[3] === '*';
      if (!plain.has(name) && !segmented.has(name)) order.push(name);
      const list = segmented.get(name) ?? [];
      list.push({ index, extended, value: unquote(rawValue) });
      segmented.set(name, list);
      continue;
    }
    if (!plain.has(rawName) && !segmented.has(rawName)) order.push(rawName);
    if (!plain.has(rawName)) plain.set(rawName, unquote(rawValue));
  }
  const params: Array<readonly [string, string]> = [];
  for (const name of order) {
    const segments = segmented.get(name);
    let v = segments ? joinSegments(segments) : (plain.get(name) ?? '');
    if (name !== 'boundary' && v.includes('=?')) v = decodeEncodedWords(v);
    params.push([name, v]);
  }
  return { value, params };
}

/** A parameter's value by lower-case name. */
export function paramValue(params: MimeParams, name: string): string | undefined {
  for (const [k, v] of params) if (k === name) return v;
  return undefined;
}
