// BODY and BODYSTRUCTURE (RFC 3501 7.4.2) as nested values the IMAP response
// compiler writes out directly, so the IMAP room does no MIME work.
import { encodeWordIfNeeded } from './encoded-words.ts';
import { imapEnvelope } from './envelope.ts';
import { imapString } from './imap-string.ts';
import type { ImapValue, MimeMessage, MimeParams, MimePart } from './types.ts';

/**
 * body-fld-param: ("name" "value" ...) or NIL when empty (the grammar has no
 * empty list). Values are decoded to Unicode in the structure; non-ASCII ones
 * go out as UTF-8 encoded words, which every client decodes in parameters,
 * so the response stays 7-bit.
 */
function paramList(params: MimeParams): ImapValue {
  if (params.length === 0) return null;
  const out: ImapValue[] = [];
  for (const [k, v] of params) out.push(imapString(k), imapString(encodeWordIfNeeded(v)));
  return out;
}

function extension(part: MimePart): ImapValue[] {
  // body-fld-dsp, body-fld-lang, body-fld-loc, always all given, as Dovecot does.
  return [
    part.disposition === null ? null : [imapString(part.disposition.type), paramList(part.disposition.params)],
    part.language === null ? null : part.language.map(imapString),
    imapString(part.location),
  ];
}

function bodyOf(part: MimePart, extended: boolean): ImapValue[] {
  if (part.parts !== undefined && part.parts.length > 0) {
    // body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart]
    const out: ImapValue[] = part.parts.map((p) => bodyOf(p, extended));
    out.push(imapString(part.subtype));
    if (extended) out.push(paramList(part.params), ...extension(part));
    return out;
  }
  // body-fields: param id desc enc octets
  const out: ImapValue[] = [
    imapString(part.type),
    imapString(part.subtype),
    paramList(part.params),
    imapString(part.id),
    imapString(part.description),
    imapString(part.encoding),
    part.size,
  ];
  if (part.type === 'message' && part.subtype === 'rfc822' && part.message !== undefined) {
    // body-type-msg: ... envelope body body-fld-lines
    out.push(imapEnvelope(part.message), bodyOf(part.message.root, extended), part.lines ?? 0);
  } else if (part.type === 'text') {
    out.push(part.lines ?? 0);
  }
  // body-ext-1part: md5 dsp lang loc
  if (extended) out.push(imapString(part.md5), ...extension(part));
  return out;
}

/**
 * FETCH BODY (extended = false) or BODYSTRUCTURE (extended = true) of a
 * message, or of a message/rfc822 part's message, as a list.
 */
export function imapBodyStructure(message: Pick<MimeMessage, 'root'>, extended: boolean): ImapValue[] {
  return bodyOf(message.root, extended);
}
