// Header blocks on raw bytes. Offsets are kept so FETCH BODY[HEADER.FIELDS]
// can hand out the original lines byte for byte, folding and all.
import { Buffer } from 'node:buffer';
import { asBuffer, CR, indexOfByte, isWsp, LF, SP, utf8OrLatin1 } from './bytes.ts';
import { decodeEncodedWords } from './encoded-words.ts';

export interface HeaderField {
  /** Field name as written (without trailing blanks before the colon). */
  readonly name: string;
  /** Lower-case name, for lookups. */
  readonly key: string;
  /** Raw value after the colon, folding (CRLF + blank) preserved, the final line end excluded. UTF-8 if valid, else latin1. */
  readonly value: string;
  /** Offset of the first byte of the field's first line. */
  readonly start: number;
  /** Offset just after the colon. */
  readonly valueStart: number;
  /** Offset just after the line end of the field's last line. */
  readonly end: number;
}

export interface HeaderBlock {
  readonly fields: HeaderField[];
  /** Offset where the header ends and the body starts (after the blank line, when there is one). */
  readonly end: number;
  /** False when the header ran into the body without a blank line, or to the end of the data. */
  readonly hasSeparator: boolean;
}

interface Line {
  readonly start: number;
  readonly contentEnd: number; // before CR LF / LF
  readonly next: number; // start of the following line
}

function lineAt(buf: Buffer, pos: number, end: number): Line {
  const lf = indexOfByte(buf, LF, pos, end);
  const next = lf < 0 ? end : lf + 1;
  let contentEnd = lf < 0 ? end : lf;
  if (contentEnd > pos && buf[contentEnd - 1] === CR) contentEnd--;
  return { start: pos, contentEnd, next };
}

/** End of a valid field name on this line (the colon's index), or -1. RFC 5322 ftext, with obsolete blanks before the colon. */
function fieldColon(buf: Buffer, line: Line): number {
  let i = line.start;
  while (i < line.contentEnd) {
    const c = buf[i]!;
    if (c === 58) break;
    if (c <= SP || c >= 127) {
      // Only blanks may follow the name before the colon.
      let j = i;
      while (j < line.contentEnd && isWsp(buf[j])) j++;
      return j > i && buf[j] === 58 && i > line.start ? j : -1;
    }
    i++;
  }
  return i > line.start && i < line.contentEnd ? i : -1;
}

/** One field found by scanHeader: offsets only, nothing decoded. */
type FieldSink = (fieldStart: number, nameEnd: number, valueStart: number, contentEnd: number, fieldEnd: number) => void;

/**
 * The one header scanner. Tolerant: a line that is neither a field nor a
 * continuation is skipped when a field follows it (garbage inside the
 * header), otherwise it is where the body starts (a header with no blank
 * line); a line starting with "--" always starts the body (a boundary right
 * after a header). Reports each field's offsets, decodes nothing (FETCH of
 * header fields for a whole mailbox runs through here). Linear.
 */
function scanHeader(buf: Buffer, start: number, end: number, sink: FieldSink): { end: number; hasSeparator: boolean } {
  // The field being read: it stays open while continuation lines follow.
  let fStart = -1;
  let fNameEnd = 0;
  let fValue = 0;
  let fContentEnd = 0;
  let fEnd = 0;
  const close = (): void => {
    if (fStart >= 0) sink(fStart, fNameEnd, fValue, fContentEnd, fEnd);
    fStart = -1;
  };
  let pos = start;
  while (pos < end) {
    const line = lineAt(buf, pos, end);
    if (line.contentEnd === line.start) {
      close();
      return { end: line.next, hasSeparator: true };
    }
    if (isWsp(buf[pos])) {
      // Continuation of the open field; a stray one with nothing open is skipped.
      if (fStart >= 0) {
        fEnd = line.next;
        fContentEnd = line.contentEnd;
      }
      pos = line.next;
      continue;
    }
    const colon = fieldColon(buf, line);
    if (colon >= 0) {
      close();
      let nameEnd = colon;
      while (nameEnd > pos && isWsp(buf[nameEnd - 1])) nameEnd--;
      fStart = pos;
      fNameEnd = nameEnd;
      fValue = colon + 1;
      fContentEnd = line.contentEnd;
      fEnd = line.next;
      pos = line.next;
      continue;
    }
    close();
    const boundaryLike = buf[pos] === 45 && buf[pos + 1] === 45;
    if (!boundaryLike && line.next < end && fieldColon(buf, lineAt(buf, line.next, end)) >= 0) {
      pos = line.next;
      continue;
    }
    return { end: pos, hasSeparator: false };
  }
  close();
  return { end, hasSeparator: false };
}

/**
 * Split a header block into fields with their names, raw values and offsets
 * (see scanHeader for how broken headers are read). Never throws.
 */
export function parseHeaderBlock(bytes: Uint8Array, start = 0, end = bytes.length): HeaderBlock {
  const buf = asBuffer(bytes);
  const fields: HeaderField[] = [];
  const result = scanHeader(buf, start, end, (fieldStart, nameEnd, valueStart, contentEnd, fieldEnd) => {
    const name = buf.toString('latin1', fieldStart, nameEnd);
    fields.push({
      name,
      key: name.toLowerCase(),
      value: utf8OrLatin1(buf, valueStart, contentEnd),
      start: fieldStart,
      valueStart,
      end: fieldEnd,
    });
  });
  return { fields, end: result.end, hasSeparator: result.hasSeparator };
}

/** RFC 5322 unfolding: line breaks inside a value go, the blanks after them stay; then trimmed. */
export function unfold(value: string): string {
  return value.replace(/\r?\n|\r/g, '').trim();
}

/** A field's value as a reader sees it: unfolded, encoded words decoded (for SEARCH HEADER, FROM, SUBJECT ... confirmation). */
export function decodeHeaderValue(field: HeaderField): string {
  return decodeEncodedWords(unfold(field.value));
}

/** First field with this lower-case key, or undefined. */
export function firstField(fields: readonly HeaderField[], key: string): HeaderField | undefined {
  for (const f of fields) if (f.key === key) return f;
  return undefined;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * BODY[HEADER.FIELDS (names)] and BODY[HEADER.FIELDS.NOT (names)]: the
 * matching fields' raw lines in their original order, then the blank line
 * (RFC 3501 6.4.5). `headerBytes` is a header block as stored. Names match
 * case-insensitively. Lines that are not fields are left out of both forms.
 */
export function selectHeaderFields(headerBytes: Uint8Array, names: readonly string[], not: boolean): Uint8Array {
  const buf = asBuffer(headerBytes);
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  // Most fields of a header are not asked for; a length check spares decoding their names.
  const lengths = new Set(names.map((n) => n.length));
  const chunks: Buffer[] = [];
  scanHeader(buf, 0, buf.length, (fieldStart, nameEnd, _valueStart, _contentEnd, fieldEnd) => {
    const match = lengths.has(nameEnd - fieldStart) && wanted.has(buf.toString('latin1', fieldStart, nameEnd).toLowerCase());
    if (match === not) return;
    chunks.push(buf.subarray(fieldStart, fieldEnd));
    // A last field without a line end (header cut at EOF) still gets one, so the blank line stays blank.
    if (buf[fieldEnd - 1] !== LF) chunks.push(CRLF);
  });
  chunks.push(CRLF);
  return Buffer.concat(chunks);
}
