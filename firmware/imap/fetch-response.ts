// The data of one FETCH response: each requested item of one message, from its
// metadata, the structure stored at delivery and only the blob bytes the item
// needs (RFC 3501 6.4.5, 7.4.2). Sections map to byte ranges through the MIME
// room's findPart; nothing is parsed again here but a header block for
// HEADER.FIELDS, which the MIME room's selectHeaderFields does on its bytes.

import { decodeTransfer, findPart, imapBodyStructure, imapEnvelope, selectHeaderFields } from '../mime/index.ts';
import type { MessageMeta } from '../store/types.ts';
import { atom, type ImapValue, type LiteralValue, literal, type StreamValue } from './compiler.ts';
import { flagAtoms } from './mailbox-view.ts';
import type { MessageContent } from './message-content.ts';
import { formatDateTime } from './syntax/dates.ts';
import { type FetchItem, fetchItemKey, type Partial, type Section } from './syntax/fetch.ts';

/** Does this item set \Seen when fetched (BODY[...] without PEEK, RFC822, RFC822.TEXT)? */
export function setsSeen(item: FetchItem): boolean {
  if (item.kind === 'body') return !item.peek;
  if (item.kind === 'binary') return !item.peek;
  return item.kind === 'simple' && (item.name === 'RFC822' || item.name === 'RFC822.TEXT');
}

/** Is this item the top-level header, whole or some fields (answered from the header kept at delivery)? */
export function isTopHeader(item: FetchItem): boolean {
  if (item.kind === 'simple') return item.name === 'RFC822.HEADER';
  return (
    item.kind === 'body' &&
    item.section.part.length === 0 &&
    (item.section.text === 'HEADER' || item.section.text === 'HEADER.FIELDS' || item.section.text === 'HEADER.FIELDS.NOT')
  );
}

/** Does this item need the stored structure? (BODY[] and metadata items do not.) */
export function needsStructure(item: FetchItem): boolean {
  switch (item.kind) {
    case 'simple':
      return (
        item.name === 'ENVELOPE' ||
        item.name === 'BODYSTRUCTURE' ||
        item.name === 'BODY' ||
        item.name === 'RFC822.HEADER' ||
        item.name === 'RFC822.TEXT'
      );
    case 'body':
      return item.section.part.length > 0 || item.section.text !== undefined;
    default:
      return true;
  }
}

type Bytes = LiteralValue | StreamValue;

const EMPTY: LiteralValue = literal(Buffer.alloc(0));

/** The response keys of a FETCH's items, formatted once for all its messages. */
export function fetchKeys(items: readonly FetchItem[]): ImapValue[] {
  return items.map((item) => atom(fetchItemKey(item)));
}

/** The key/value pairs of one message's FETCH response, in the order asked. */
export async function fetchValues(
  meta: MessageMeta,
  items: readonly FetchItem[],
  content: MessageContent,
  keys: readonly ImapValue[] = fetchKeys(items),
): Promise<ImapValue[]> {
  const out: ImapValue[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(keys[i]!, await itemValue(meta, items[i]!, content));
  }
  return out;
}

async function itemValue(meta: MessageMeta, item: FetchItem, content: MessageContent): Promise<ImapValue> {
  switch (item.kind) {
    case 'simple':
      switch (item.name) {
        case 'UID':
          return meta.uid;
        case 'FLAGS':
          return flagAtoms(meta.flags);
        case 'INTERNALDATE':
          return formatDateTime(meta.internalDate);
        case 'RFC822.SIZE':
          return meta.size;
        case 'MODSEQ':
          return [meta.modseq];
        case 'ENVELOPE':
          return imapEnvelope(await content.structure(meta)) as ImapValue;
        case 'BODYSTRUCTURE':
          return imapBodyStructure(await content.structure(meta), true) as ImapValue;
        case 'BODY':
          return imapBodyStructure(await content.structure(meta), false) as ImapValue;
        case 'RFC822':
          return content.value(meta, 0, meta.size);
        case 'RFC822.HEADER':
          return sectionValue(meta, { part: [], text: 'HEADER' }, undefined, content);
        case 'RFC822.TEXT':
          return sectionValue(meta, { part: [], text: 'TEXT' }, undefined, content);
      }
      break;
    case 'body':
      return sectionValue(meta, item.section, item.partial, content);
    case 'binary': {
      const bytes = await decodedPart(meta, item.part, content);
      const slice =
        item.partial === undefined
          ? bytes
          : bytes.subarray(Math.min(item.partial.offset, bytes.length), item.partial.offset + item.partial.length);
      // literal8 only when needed: NUL cannot travel in a plain literal (RFC 3516 4.2).
      return literal(slice, slice.includes(0));
    }
    case 'binary-size':
      return (await decodedPart(meta, item.part, content)).length;
  }
  return null;
}

/** A Content-Transfer-Encoding BINARY cannot undo: FETCH answers NO [UNKNOWN-CTE] (RFC 3516 4.3). */
export class UnknownTransferEncoding extends Error {}

const DECODABLE = new Set(['7BIT', '8BIT', 'BINARY', 'BASE64', 'QUOTED-PRINTABLE']);

/** BINARY[part]: the part's body with its transfer encoding undone; BINARY[] is the message as stored. */
async function decodedPart(meta: MessageMeta, part: readonly number[], content: MessageContent): Promise<Buffer> {
  if (part.length === 0) return content.read(meta, 0, meta.size);
  const loc = findPart(await content.structure(meta), part);
  if (loc === undefined) return Buffer.alloc(0);
  if (!DECODABLE.has(loc.part.encoding)) throw new UnknownTransferEncoding(loc.part.encoding);
  const raw = await content.read(meta, loc.body.start, loc.body.end);
  return Buffer.from(decodeTransfer(raw, 0, raw.length, loc.part.encoding));
}

/** BODY[section]<partial>: the bytes of a section, or "" for a section the message does not have. */
async function sectionValue(meta: MessageMeta, section: Section, partial: Partial | undefined, content: MessageContent): Promise<Bytes> {
  if (section.part.length === 0 && section.text === undefined) return slice(meta, 0, meta.size, partial, content);
  if (section.part.length === 0 && section.text !== undefined && section.text !== 'TEXT' && section.text !== 'MIME') {
    // the top-level header kept at delivery: no structure, no blob file
    const kept = content.keptHeader(meta);
    if (kept !== undefined) return headerValue(kept, section, partial);
  }
  // The top-level header is at the start of the blob: read it while the structure is looked up.
  const topHeader = section.part.length === 0 && section.text !== 'TEXT';
  if (topHeader) content.prefetchHead(meta);
  const loc = findPart(await content.structure(meta), section.part);
  if (loc === undefined) return EMPTY;
  switch (section.text) {
    case undefined:
      return slice(meta, loc.body.start, loc.body.end, partial, content);
    case 'MIME':
      return slice(meta, loc.mime.start, loc.mime.end, partial, content);
    case 'HEADER': {
      if (loc.header === undefined) return EMPTY;
      const head = topHeader && partial === undefined ? await content.headRange(meta, loc.header.start, loc.header.end) : undefined;
      return head === undefined ? slice(meta, loc.header.start, loc.header.end, partial, content) : literal(head);
    }
    case 'TEXT':
      return loc.text === undefined ? EMPTY : slice(meta, loc.text.start, loc.text.end, partial, content);
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      if (loc.header === undefined) return EMPTY;
      const header =
        (topHeader ? await content.headRange(meta, loc.header.start, loc.header.end) : undefined) ??
        (await content.read(meta, loc.header.start, loc.header.end));
      return headerValue(header, section, partial);
    }
  }
}

/** HEADER / HEADER.FIELDS / HEADER.FIELDS.NOT of a header block already in memory, narrowed by <offset.length>. */
function headerValue(header: Buffer, section: Section, partial: Partial | undefined): LiteralValue {
  const bytes =
    section.text === 'HEADER'
      ? header
      : Buffer.from(selectHeaderFields(header, section.fields ?? [], section.text === 'HEADER.FIELDS.NOT'));
  if (partial === undefined) return literal(bytes);
  if (section.text === 'HEADER') {
    // as slice() would: [offset, offset + length) of the header, "" past its end
    const a = Math.min(partial.offset, bytes.length);
    return literal(bytes.subarray(a, Math.min(bytes.length, a + partial.length)));
  }
  return literal(bytes.subarray(Math.min(partial.offset, bytes.length), partial.offset + partial.length));
}

/** Bytes [start, end) of the blob narrowed by <offset.length>; past the end is "". */
function slice(meta: MessageMeta, start: number, end: number, partial: Partial | undefined, content: MessageContent): Promise<Bytes> {
  if (partial === undefined) return content.value(meta, start, end);
  const a = Math.min(start + partial.offset, end);
  return content.value(meta, a, Math.min(end, a + partial.length));
}
