// The part tree of a message with the byte offsets of every part, computed in
// one pass per nesting level. Boundary search uses the native Buffer.indexOf
// on a view bounded to the enclosing part, so the work is linear in the body
// size times the nesting depth, which is capped.
import { Buffer } from 'node:buffer';
import { asBuffer, CR, countLines, HT, indexOfByte, LF, SP } from './bytes.ts';
import { parseRfc5322Date } from './date.ts';
import { buildEnvelope } from './envelope.ts';
import { firstField, type HeaderField, parseHeaderBlock, unfold } from './header-block.ts';
import { paramValue, parseParameterized, stripComments } from './params.ts';
import type { Disposition, MessageStructure, MimeMessage, MimeParams, MimePart } from './types.ts';

/** Limits that keep hostile mail from costing more than a normal one. */
export interface AnalyzeLimits {
  /** Nesting of multiparts and message/rfc822 parts; deeper ones become opaque leaves. */
  readonly maxDepth: number;
  /** Parts in one message; later multiparts become opaque leaves. */
  readonly maxParts: number;
}

export const DEFAULT_LIMITS: AnalyzeLimits = { maxDepth: 40, maxParts: 5000 };

const MAX_FIELD = 16 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

interface Context {
  readonly buf: Buffer;
  readonly limits: AnalyzeLimits;
  parts: number;
}

interface ContentType {
  readonly type: string;
  readonly subtype: string;
  readonly params: MimeParams;
}

function fieldText(fields: readonly HeaderField[], key: string): string | null {
  const f = firstField(fields, key);
  if (f === undefined) return null;
  const v = unfold(f.value);
  return v === '' ? null : v.slice(0, MAX_FIELD);
}

function withCharset(type: string, params: MimeParams): MimeParams {
  // IMAP clients expect a charset on every text part; RFC 2045's default is us-ascii (appended, as Dovecot does).
  if (type !== 'text' || params.some(([k]) => k === 'charset')) return params;
  return [...params, ['charset', 'us-ascii']];
}

function contentType(fields: readonly HeaderField[], fallback: ContentType): ContentType {
  const raw = fieldText(fields, 'content-type');
  if (raw === null) return { ...fallback, params: withCharset(fallback.type, fallback.params) };
  const parsed = parseParameterized(raw);
  // Only the leading type/subtype counts: "text/html charset=utf-8" (missing ';') is still text/html.
  const m = /^([^/\s]+)\s*\/\s*([^/\s]+)(?:\s|$)/.exec(parsed.value.toLowerCase());
  if (m && TOKEN.test(m[1]!) && TOKEN.test(m[2]!)) {
    return { type: m[1]!, subtype: m[2]!, params: withCharset(m[1]!, parsed.params) };
  }
  // RFC 2045 5.2: an unreadable Content-Type means text/plain; keep a charset if one was given.
  const charset = paramValue(parsed.params, 'charset');
  return { type: 'text', subtype: 'plain', params: [['charset', charset ?? 'us-ascii']] };
}

function disposition(fields: readonly HeaderField[]): Disposition | null {
  const raw = fieldText(fields, 'content-disposition');
  if (raw === null) return null;
  const parsed = parseParameterized(raw);
  // The leading token only, so "attachment filename=x" (missing ';') is still an attachment.
  const type = parsed.value.toLowerCase().split(/\s/)[0] ?? '';
  if (!TOKEN.test(type)) return null;
  return { type, params: parsed.params };
}

function language(fields: readonly HeaderField[]): string[] | null {
  const raw = fieldText(fields, 'content-language');
  if (raw === null) return null;
  const tags = stripComments(raw)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return tags.length === 0 ? null : tags;
}

function transferEncoding(fields: readonly HeaderField[]): string {
  const raw = fieldText(fields, 'content-transfer-encoding');
  if (raw === null) return '7BIT';
  const v = stripComments(raw).trim().toUpperCase();
  return v === '' ? '7BIT' : v;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Body ranges of a multipart's children (RFC 2046 5.1.1): the line break
 * before a delimiter belongs to the delimiter; the preamble and epilogue are
 * dropped; a missing close delimiter ends the last part at the end of the body.
 * Delimiter lines may carry trailing blanks; text after a close delimiter is ignored.
 */
export function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): Span[] {
  const needle = Buffer.from(`--${boundary}`, 'utf8');
  const view = buf.subarray(start, end);
  const spans: Span[] = [];
  let partStart = -1;
  let from = 0;
  while (from < view.length) {
    const hit = view.indexOf(needle, from);
    if (hit < 0) break;
    const at = start + hit;
    if (at > start && buf[at - 1] !== LF) {
      from = hit + 1;
      continue;
    }
    let p = at + needle.length;
    const close = p + 1 < end && buf[p] === 45 && buf[p + 1] === 45;
    if (close) p += 2;
    const lf = indexOfByte(buf, LF, p, end);
    const lineEnd = lf < 0 ? end : lf;
    if (!close) {
      let q = p;
      while (q < lineEnd && (buf[q] === SP || buf[q] === HT || buf[q] === CR)) q++;
      if (q < lineEnd) {
        from = hit + 1; // "--boundaryX": a longer boundary, not ours
        continue;
      }
    }
    if (partStart >= 0) {
      let delimStart = at;
      if (delimStart > partStart && buf[delimStart - 1] === LF) delimStart--;
      if (delimStart > partStart && buf[delimStart - 1] === CR) delimStart--;
      spans.push({ start: partStart, end: delimStart });
    }
    if (close) return spans;
    partStart = lf < 0 ? end : lf + 1;
    from = partStart - start;
  }
  if (partStart >= 0) spans.push({ start: partStart, end });
  return spans;
}

const TEXT_PLAIN: ContentType = { type: 'text', subtype: 'plain', params: [] };
const MESSAGE_RFC822: ContentType = { type: 'message', subtype: 'rfc822', params: [] };
const OCTET_STREAM = { type: 'application', subtype: 'octet-stream' };

function parsePart(
  ctx: Context,
  start: number,
  end: number,
  fallback: ContentType,
  depth: number,
  onHeader?: (fields: readonly HeaderField[]) => void,
): MimePart {
  ctx.parts++;
  const header = parseHeaderBlock(ctx.buf, start, end);
  const fields = header.fields;
  onHeader?.(fields);
  let ct = contentType(fields, fallback);
  const encoding = transferEncoding(fields);
  const bodyStart = header.end;
  const base = {
    id: fieldText(fields, 'content-id'),
    description: fieldText(fields, 'content-description'),
    encoding,
    size: end - bodyStart,
    md5: fieldText(fields, 'content-md5'),
    disposition: disposition(fields),
    language: language(fields),
    location: fieldText(fields, 'content-location'),
    headerStart: start,
    headerEnd: bodyStart,
    bodyStart,
    bodyEnd: end,
  };
  const tooDeep = depth >= ctx.limits.maxDepth || ctx.parts >= ctx.limits.maxParts;

  if (ct.type === 'multipart') {
    const boundary = paramValue(ct.params, 'boundary');
    if (boundary === undefined || boundary === '') {
      // Without a boundary there are no parts to find: show the body as text.
      ct = {
        type: 'text',
        subtype: 'plain',
        params: withCharset(
          'text',
          ct.params.filter(([k]) => k !== 'boundary'),
        ),
      };
    } else if (tooDeep) {
      ct = { ...OCTET_STREAM, params: ct.params };
    } else {
      const childFallback = ct.subtype === 'digest' ? MESSAGE_RFC822 : TEXT_PLAIN;
      const spans = splitMultipart(ctx.buf, bodyStart, end, boundary);
      const parts: MimePart[] = [];
      for (const span of spans) {
        if (ctx.parts >= ctx.limits.maxParts) break;
        parts.push(parsePart(ctx, span.start, span.end, childFallback, depth + 1));
      }
      if (parts.length === 0) {
        // No delimiter found (wrong or missing boundary): IMAP needs at least one
        // part, and the client should still see the text, so the whole body is one
        // header-less text/plain part.
        ctx.parts++;
        parts.push({
          type: 'text',
          subtype: 'plain',
          params: [['charset', 'us-ascii']],
          id: null,
          description: null,
          encoding: '7BIT',
          size: end - bodyStart,
          lines: countLines(ctx.buf, bodyStart, end),
          md5: null,
          disposition: null,
          language: null,
          location: null,
          headerStart: bodyStart,
          headerEnd: bodyStart,
          bodyStart,
          bodyEnd: end,
        });
      }
      return { type: ct.type, subtype: ct.subtype, params: ct.params, ...base, parts };
    }
  }

  if (ct.type === 'message' && ct.subtype === 'rfc822') {
    // An encoded message/rfc822 cannot be parsed in place, and IMAP's grammar
    // reserves "message" "rfc822" for parts that carry an envelope.
    const identity = encoding === '7BIT' || encoding === '8BIT' || encoding === 'BINARY';
    if (!identity || tooDeep) {
      ct = { ...OCTET_STREAM, params: ct.params };
    } else {
      const message = parseMessage(ctx, bodyStart, end, depth + 1);
      return { type: ct.type, subtype: ct.subtype, params: ct.params, ...base, lines: countLines(ctx.buf, bodyStart, end), message };
    }
  }

  if (ct.type === 'text') {
    return { type: ct.type, subtype: ct.subtype, params: ct.params, ...base, lines: countLines(ctx.buf, bodyStart, end) };
  }
  return { type: ct.type, subtype: ct.subtype, params: ct.params, ...base };
}

function parseMessage(ctx: Context, start: number, end: number, depth: number): MimeMessage {
  let fields: readonly HeaderField[] = [];
  const root = parsePart(ctx, start, end, TEXT_PLAIN, depth, (f) => {
    fields = f;
  });
  const envelope = buildEnvelope(fields);
  const sentAt = envelope.date === null ? undefined : parseRfc5322Date(envelope.date);
  return sentAt === undefined ? { envelope, root } : { envelope, sentAt, root };
}

/**
 * Parse a message once, at delivery: ENVELOPE, the part tree for
 * BODYSTRUCTURE, and the byte offsets of every part in `body`. The result is
 * plain JSON. Never throws; any input gives a structure whose offsets lie
 * within the body.
 */
export function analyzeMessage(body: Uint8Array, limits: AnalyzeLimits = DEFAULT_LIMITS): MessageStructure {
  try {
    return parseStructure(body, limits);
  } catch {
    // Last line of defence: a parser bug must never cost a delivery. The fuzz
    // test keeps this path unused; if it is ever taken, the whole message is
    // one text part without header, which every client can still show.
    return opaqueStructure(body.length);
  }
}

/** analyzeMessage without its safety net, so tests (the fuzz test above all) see any exception. */
export function parseStructure(body: Uint8Array, limits: AnalyzeLimits = DEFAULT_LIMITS): MessageStructure {
  const ctx: Context = { buf: asBuffer(body), limits, parts: 0 };
  return { v: 1, ...parseMessage(ctx, 0, body.length, 0) };
}

/** The structure of a message nothing could be read from: no envelope, one header-less text body. */
export function opaqueStructure(length: number): MessageStructure {
  const envelope = {
    date: null,
    subject: null,
    from: null,
    sender: null,
    replyTo: null,
    to: null,
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: null,
  };
  const root: MimePart = {
    type: 'text',
    subtype: 'plain',
    params: [['charset', 'us-ascii']],
    id: null,
    description: null,
    encoding: '7BIT',
    size: length,
    lines: 0,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    headerStart: 0,
    headerEnd: 0,
    bodyStart: 0,
    bodyEnd: length,
  };
  return { v: 1, envelope, root };
}
