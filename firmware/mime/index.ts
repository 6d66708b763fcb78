// The MIME room: one parser for the whole firmware. It runs once per body at
// delivery (analyze) and the IMAP and POP3 rooms read its result; they do no
// MIME work of their own.
//
// Typical FETCH use:
//   const s = info.structure as MessageStructure;
//   imapBodyStructure(s, true)            -> BODYSTRUCTURE
//   imapEnvelope(s)                       -> ENVELOPE
//   findPart(s, [1, 2])?.body             -> bytes of BODY[1.2]
//   selectHeaderFields(headerBytes, ['From', 'Subject'], false) -> BODY[HEADER.FIELDS (FROM SUBJECT)]
// Search: the indexed text is normalised with normalizeSearchText; confirm a
// hit with normalizeSearchText(decodePartText(body, part)).includes(normalizeSearchText(query)).

export { isGroup, type ParsedAddress, type ParsedGroup, type ParsedMailbox, parseAddressList } from './address.ts';
export { analyze, MAX_SEARCH_TEXT } from './analyze.ts';
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
export { parseParameterized } from './params.ts';
export { decodePartText, normalizeSearchText, searchText } from './search-text.ts';
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
