// The decoded text of a message for the search index, and the decoding of
// one part for confirming a hit.
//
// Normalisation (normalizeSearchText), applied to the indexed text and to be
// applied to every query: Unicode NFC, then toLowerCase(), then every run of
// whitespace (line breaks included) becomes one space. RFC 3501 SEARCH is a
// case-insensitive substring match; folding whitespace as well lets a phrase
// match across a line break in the original text.
import { Buffer } from 'node:buffer';
import { asBuffer } from './bytes.ts';
import { decodeCharset } from './charset.ts';
import { decodeHeaderValue, parseHeaderBlock } from './header-block.ts';
import { htmlToText } from './html-text.ts';
import { paramValue } from './params.ts';
import { decodeTransfer } from './transfer-decoding.ts';
import type { MimeMessage, MimePart } from './types.ts';

/** The normalisation shared by the index and the query; see the file comment. */
export function normalizeSearchText(s: string): string {
  return s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ');
}

/** HTML without a charset parameter may declare one in a meta tag near its top. */
function sniffHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 2048)).toString('latin1');
  const m = /<meta[^>]{0,200}charset\s*=\s*["']?([A-Za-z0-9_:.-]{1,40})/i.exec(head);
  return m?.[1];
}

/**
 * Decoded text of one part: transfer encoding and charset undone, HTML turned
 * into text. Parts that are not text/* give ''. Not normalised: run
 * normalizeSearchText over it (and the query) before comparing.
 */
export function decodePartText(body: Uint8Array, part: MimePart): string {
  if (part.type !== 'text' || part.parts !== undefined) return '';
  const start = Math.max(0, Math.min(part.bodyStart, body.length));
  const end = Math.max(start, Math.min(part.bodyEnd, body.length));
  const bytes = decodeTransfer(asBuffer(body), start, end, part.encoding);
  let charset = paramValue(part.params, 'charset');
  if (part.subtype === 'html' && (charset === undefined || charset.toLowerCase() === 'us-ascii')) {
    charset = sniffHtmlCharset(bytes) ?? charset;
  }
  const text = decodeCharset(bytes, charset);
  return part.subtype === 'html' ? htmlToText(text) : text;
}

/** Header fields of a part or message, "name: decoded value" per line. */
function headerText(body: Uint8Array, part: MimePart): string {
  const lines: string[] = [];
  for (const f of parseHeaderBlock(body, part.headerStart, part.headerEnd).fields) {
    lines.push(`${f.name}: ${decodeHeaderValue(f)}`);
  }
  return lines.join('\n');
}

function collect(body: Uint8Array, part: MimePart, out: string[], budget: { left: number }, withHeader = true): void {
  if (budget.left <= 0) return;
  const push = (s: string): void => {
    if (s === '') return;
    out.push(s.length > budget.left ? s.slice(0, budget.left) : s);
    budget.left -= s.length;
  };
  if (withHeader) push(headerText(body, part));
  if (part.parts !== undefined) {
    for (const child of part.parts) collect(body, child, out, budget);
  } else if (part.message !== undefined) {
    collect(body, part.message.root, out, budget);
  } else if (part.type === 'text') {
    push(decodePartText(body, part));
  }
}

export interface SearchTextResult {
  readonly text: string;
  /** True when the text was cut at maxChars. */
  readonly truncated: boolean;
}

/**
 * The search text of a message and whether it was cut: every header field of
 * the message and of its parts (encoded words decoded), and the decoded text
 * of every text/* part, nested messages included; normalised.
 */
export function searchTextOf(body: Uint8Array, structure: MimeMessage, maxChars = Number.POSITIVE_INFINITY): SearchTextResult {
  const out: string[] = [];
  const budget = { left: maxChars };
  collect(body, structure.root, out, budget);
  const text = normalizeSearchText(out.join('\n'));
  const truncated = budget.left < 0 || text.length > maxChars;
  return { text: text.length > maxChars ? text.slice(0, maxChars) : text, truncated };
}

/** The normalised search text of a message (headers and text parts, all of it). */
export function searchText(body: Uint8Array, structure: MimeMessage): string {
  return searchTextOf(body, structure).text;
}

/**
 * The normalised text of the message body only (SEARCH BODY): every text
 * part decoded, plus the MIME headers of parts and the headers of attached
 * messages, which are all inside the body; the top-level header is left out.
 */
export function bodySearchText(body: Uint8Array, structure: MimeMessage): string {
  const out: string[] = [];
  collect(body, structure.root, out, { left: Number.POSITIVE_INFINITY }, false);
  return normalizeSearchText(out.join('\n'));
}
