// Reads shaped for an IMAP listener's first sync of a big mailbox, where the
// per-record cost of listMessages (one object per message, walked and cloned
// across the worker bridge) and of getBodyHeads (every kept header, ~1.5 KB
// each, copied to the listener only to keep ~250 bytes of it) dominate:
//
// - listMessageColumns: the message records as a few typed arrays and two
//   strings, which cross the bridge as a handful of memcpys;
// - getHeaderFields: HEADER.FIELDS selected here, on the thread that decodes
//   the kept headers anyway, so only the selected bytes cross.
import { selectHeaderFields } from '../mime/index.ts';
import { isBlobId } from './blob-files.ts';
import { type StoreCore, storageError } from './core.ts';
import { keys } from './keys.ts';
import { compileQuery, mayContain } from './search-index.ts';
import type { BodyHeads, Mailbox, MessageColumns, MessageMeta } from './types.ts';

function mailboxState(mailbox: Mailbox): string {
  return `${mailbox.highestModseq}:${mailbox.uidNext}:${mailbox.messages}`;
}

/** The message records of a mailbox (optionally a UID range) as columns; undefined for an unknown mailbox. */
export async function listMessageColumns(
  core: StoreCore,
  mailboxId: string,
  range?: { readonly from?: number; readonly to?: number },
): Promise<MessageColumns | undefined> {
  core.assertOpen();
  let list: MessageMeta[];
  let before: Mailbox | undefined;
  let after: Mailbox | undefined;
  try {
    before = (await core.db.get(keys.mailbox(mailboxId))) as Mailbox | undefined;
    if (before === undefined) return undefined;
    list = (await core.db.values(keys.messages(mailboxId, range?.from, range?.to)).all()) as MessageMeta[];
    after = (await core.db.get(keys.mailbox(mailboxId))) as Mailbox | undefined;
  } catch (err) {
    throw storageError(err);
  }
  const n = list.length;
  const uids = new Uint32Array(n);
  const modseqs = new Float64Array(n);
  const sizes = new Float64Array(n);
  const internalDates = new Float64Array(n);
  const flagIndex = new Uint32Array(n);
  const flagSets: string[][] = [];
  const setIds = new Map<string, number>();
  const blobIds = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const m = list[i]!;
    uids[i] = m.uid;
    modseqs[i] = m.modseq;
    sizes[i] = m.size;
    internalDates[i] = m.internalDate;
    blobIds[i] = m.blobId;
    // mostly a handful of distinct flag lists: each goes across once
    const key = m.flags.join('\n');
    let id = setIds.get(key);
    if (id === undefined) {
      id = flagSets.length;
      setIds.set(key, id);
      flagSets.push([...m.flags]);
    }
    flagIndex[i] = id;
  }
  return {
    mailbox: before,
    exact: after !== undefined && mailboxState(after) === mailboxState(before),
    uids,
    modseqs,
    sizes,
    internalDates,
    blobIds: blobIds.join('\n'),
    flagSets,
    flagIndex,
  };
}

/** Selected fields of many kept headers, packed like getBodyHeads; empty where no header is kept. */
export async function getHeaderFields(
  core: StoreCore,
  blobIds: readonly string[],
  names: readonly string[],
  not: boolean,
): Promise<BodyHeads> {
  core.assertOpen();
  const wanted = blobIds.map((id) => (isBlobId(id) ? keys.bodyHead(id) : keys.bodyHead('-')));
  let values: unknown[];
  try {
    values = wanted.length === 0 ? [] : await core.db.getMany(wanted);
  } catch (err) {
    throw storageError(err);
  }
  const selector = headerFieldSelector(names, not);
  const offsets = new Uint32Array(values.length + 1);
  const parts: string[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const head = values[i];
    if (typeof head === 'string' && head.length > 0) {
      const selected = selector(head);
      parts.push(selected);
      total += selected.length;
    }
    offsets[i + 1] = total;
  }
  const bytes = Buffer.from(parts.join(''), 'latin1');
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), offsets };
}

/** Keys read per getMany: the thread pool reads the next chunk while this thread decodes one. */
const SIGNATURE_CHUNK = 2048;

/**
 * searchCandidates for bodies the caller has listed already: for each blob id
 * 1 when the body MAY contain every term (0 when its signature rules it out);
 * undefined when no term is long enough to narrow.
 */
export async function searchBodyCandidates(
  core: StoreCore,
  blobIds: readonly string[],
  terms: readonly string[],
): Promise<Uint8Array | undefined> {
  const query = compileQuery(terms);
  if (query === undefined) return undefined;
  core.assertOpen();
  const out = new Uint8Array(blobIds.length);
  const chunks: Promise<void>[] = [];
  for (let start = 0; start < blobIds.length; start += SIGNATURE_CHUNK) {
    const ids = blobIds.slice(start, start + SIGNATURE_CHUNK);
    chunks.push(
      // the records as their JSON text: a signature is a JSON string without
      // escapes (base64), so dropping the quotes spares a JSON.parse of ~1 KB each
      (
        core.db.getMany(
          ids.map((id) => keys.searchSignature(isBlobId(id) ? id : '-')),
          { valueEncoding: 'utf8' },
        ) as Promise<Array<string | undefined>>
      ).then((texts) => {
        for (let i = 0; i < ids.length; i++) out[start + i] = mayContain(signatureFromJson(texts[i]), query) ? 1 : 0;
      }),
    );
  }
  try {
    await Promise.all(chunks);
  } catch (err) {
    throw storageError(err);
  }
  return out;
}

/** A record read as JSON text, decoded (undefined for none or a broken one: then nothing is ruled out). */
function signatureFromJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (text.length >= 2 && text.charCodeAt(0) === 34 && text.charCodeAt(text.length - 1) === 34 && !text.includes('\\')) {
    return text.slice(1, -1);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const TAB = 9;
const SP = 32;
const COLON = 58;

/**
 * HEADER.FIELDS (or .NOT) of a header block held as a latin1 string (one
 * character per byte), exactly as the MIME room's selectHeaderFields gives it.
 * The common shape (every line a field or a continuation, CRLF line ends,
 * ending with the blank line) is done here on the string, without a buffer
 * per field; anything else (bare LF, garbage lines, a header without its
 * blank line) goes to selectHeaderFields itself, so the two never disagree.
 */
export function headerFieldSelector(names: readonly string[], not: boolean): (head: string) => string {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const lengths = new Set(names.map((n) => n.length));
  const slow = (head: string): string => Buffer.from(selectHeaderFields(Buffer.from(head, 'latin1'), names, not)).toString('latin1');
  return (head) => {
    let out = '';
    let pos = 0;
    // the field being read: [fieldStart, lineEnd) once its continuations are in
    let fieldStart = -1;
    let keep = false;
    const end = head.length;
    while (pos < end) {
      const lf = head.indexOf('\n', pos);
      if (lf < 0 || lf === pos || head.charCodeAt(lf - 1) !== 13) return slow(head);
      const next = lf + 1;
      if (lf - 1 === pos) {
        // the blank line: it must close the block exactly
        if (next !== end) return slow(head);
        if (fieldStart >= 0 && keep) out += head.slice(fieldStart, pos);
        return `${out}\r\n`;
      }
      const c = head.charCodeAt(pos);
      if (c === SP || c === TAB) {
        if (fieldStart < 0) return slow(head);
        pos = next;
        continue;
      }
      if (fieldStart >= 0 && keep) out += head.slice(fieldStart, pos);
      // the name: printable ASCII up to the colon, blanks allowed just before it
      let i = pos;
      let nameEnd = -1;
      for (; i < lf - 1; i++) {
        const ch = head.charCodeAt(i);
        if (ch === COLON) {
          nameEnd = i;
          break;
        }
        if (ch <= SP || ch >= 127) {
          let j = i;
          while (j < lf - 1 && (head.charCodeAt(j) === SP || head.charCodeAt(j) === TAB)) j++;
          if (j > i && i > pos && head.charCodeAt(j) === COLON) nameEnd = i;
          break;
        }
      }
      if (nameEnd <= pos) return slow(head);
      const match = lengths.has(nameEnd - pos) && wanted.has(head.slice(pos, nameEnd).toLowerCase());
      keep = match !== not;
      fieldStart = pos;
      pos = next;
    }
    // no blank line at the end
    return slow(head);
  };
}
