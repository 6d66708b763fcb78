// The MIME room: one hand-written parser for the whole firmware. It runs once
// per body at delivery (analyze, handed to the store) and keeps the result as
// JSON beside the blob; the IMAP and POP3 rooms read that result and do no
// MIME work of their own.
//
// FETCH with s = asMessageStructure(bodyInfo.structure) and the blob:
//   ENVELOPE                      imapEnvelope(s)
//   BODYSTRUCTURE / BODY          imapBodyStructure(s, true) / imapBodyStructure(s, false)
//   BODY[]                        findPart(s, []).body (the whole blob)
//   BODY[HEADER] / BODY[TEXT]     findPart(s, []).header / .text
//   BODY[1.2]                     findPart(s, [1, 2]).body
//   BODY[1.2.MIME]                findPart(s, [1, 2]).mime
//   BODY[2.HEADER] / [2.TEXT]     findPart(s, [2]).header / .text (only on message/rfc822 parts)
//   BODY[HEADER.FIELDS (A B)]     selectHeaderFields(bytes of .header, ['A', 'B'], false)
//   BODY[HEADER.FIELDS.NOT (A)]   selectHeaderFields(bytes of .header, ['A'], true)
// findPart gives undefined for a section that does not exist; servers answer "".
// Offsets are real positions in the blob, whatever its line ends.
//
// SEARCH: the store indexes analyze().text, normalised by normalizeSearchText
// (NFC, lower case, whitespace runs -> one space). Normalise the query the same
// way; confirm a candidate with
//   searchText(body, s).includes(q)                               TEXT
//   bodySearchText(body, s).includes(q)                           BODY
//   normalizeSearchText(decodePartText(body, part)).includes(q)   one text part
//   normalizeSearchText(decodeHeaderValue(field)).includes(q)     HEADER, FROM, SUBJECT ...
// (structure.textTruncated means the index holds only the start of the text.)
// SENTBEFORE/SENTON/SENTSINCE use s.sentAt (the Date header, parsed).

export { isGroup, type ParsedAddress, type ParsedGroup, type ParsedMailbox, parseAddressList } from './address.ts';
export { analyze, asMessageStructure, MAX_SEARCH_TEXT } from './analyze.ts';
export { imapBodyStructure } from './bodystructure.ts';
export { decodeCharset } from './charset.ts';
export { parseRfc5322Date } from './date.ts';
export { decodeEncodedWords } from './encoded-words.ts';
export { imapEnvelope } from './envelope.ts';
export {
  decodeHeaderValue,
  type HeaderBlock,
  type HeaderField,
  parseHeaderBlock,
  selectHeaderFields,
  unfold,
} from './header-block.ts';
export { htmlToText } from './html-text.ts';
export { hasOnlyCrlf, toCrlf } from './line-ends.ts';
export { parseParameterized } from './params.ts';
export { bodySearchText, decodePartText, normalizeSearchText, searchText } from './search-text.ts';
export { findPart } from './sections.ts';
export { type AnalyzeLimits, analyzeMessage, DEFAULT_LIMITS } from './structure.ts';
export { decodeTransfer } from './transfer-decoding.ts';
export type {
  ByteRange,
  Disposition,
  Envelope,
  EnvelopeAddress,
  ImapValue,
  MessageStructure,
  MimeMessage,
  MimeParams,
  MimePart,
  SectionLocation,
} from './types.ts';
