// The JSON shape the MIME room computes once per body at delivery. It is
// stored in LevelDB beside the blob, so it must stay plain data (no classes,
// no Maps, no undefined inside arrays) and carry a version for migrations.

/** One ENVELOPE address (RFC 3501 7.4.2); null stands for NIL. Group start: mailbox = group name, host null; group end: all null. */
export interface EnvelopeAddress {
  readonly name: string | null;
  readonly adl: string | null;
  readonly mailbox: string | null;
  readonly host: string | null;
}

/** ENVELOPE fields as raw (unfolded, trimmed) header values; encoded words are left as they are, as RFC 3501 asks. */
export interface Envelope {
  readonly date: string | null;
  readonly subject: string | null;
  readonly from: readonly EnvelopeAddress[] | null;
  readonly sender: readonly EnvelopeAddress[] | null;
  readonly replyTo: readonly EnvelopeAddress[] | null;
  readonly to: readonly EnvelopeAddress[] | null;
  readonly cc: readonly EnvelopeAddress[] | null;
  readonly bcc: readonly EnvelopeAddress[] | null;
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
}

/** A parameter list in header order: [name (lower-case), value (decoded to Unicode)]. */
export type MimeParams = ReadonlyArray<readonly [string, string]>;

export interface Disposition {
  /** Lower-case disposition type, e.g. 'attachment', 'inline'. */
  readonly type: string;
  readonly params: MimeParams;
}

/**
 * One MIME part. Offsets are byte positions in the stored blob:
 * [headerStart, headerEnd) is the part's header including the blank line that
 * ends it (empty when the part has no header), [bodyStart, bodyEnd) its body.
 * headerEnd === bodyStart always.
 */
export interface MimePart {
  /** Lower-case media type and subtype. */
  readonly type: string;
  readonly subtype: string;
  readonly params: MimeParams;
  readonly id: string | null;
  readonly description: string | null;
  /** Content-Transfer-Encoding, upper-case; '7BIT' when absent. */
  readonly encoding: string;
  /** Octets of the body as stored (bodyEnd - bodyStart). */
  readonly size: number;
  /** Text lines of the body; only for text/* and message/rfc822. */
  readonly lines?: number;
  readonly md5: string | null;
  readonly disposition: Disposition | null;
  readonly language: readonly string[] | null;
  readonly location: string | null;
  readonly headerStart: number;
  readonly headerEnd: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** Children of a multipart (always at least one). */
  readonly parts?: readonly MimePart[];
  /** The encapsulated message of a message/rfc822 part; its root's header starts at this part's bodyStart. */
  readonly message?: MimeMessage;
}

/** A message: the top-level one or one encapsulated in a message/rfc822 part. */
export interface MimeMessage {
  readonly envelope: Envelope;
  /** Date header parsed to ms since epoch (for SENTBEFORE/SENTON/SENTSINCE and SORT); absent when unparseable. */
  readonly sentAt?: number;
  /** The message as a part: its header is the message header, its body the message body. */
  readonly root: MimePart;
}

export interface MessageStructure extends MimeMessage {
  /** Format version of this JSON; bump when the shape changes. */
  readonly v: 1;
  /** Set by analyze() when the search text was cut at its size limit: search must scan this message's blob. */
  readonly textTruncated?: boolean;
}

/** Byte ranges [start, end) inside the blob for one IMAP section. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What FETCH needs for one section path (RFC 3501 6.4.5). */
export interface SectionLocation {
  /** The part itself (its MIME fields, for BODY[n.MIME] and decoding). */
  readonly part: MimePart;
  /** BODY[n.MIME]: the part's MIME header; for the top level, the message header. */
  readonly mime: ByteRange;
  /** BODY[n]: the part's body; for the empty path, the whole message. */
  readonly body: ByteRange;
  /** BODY[n.HEADER] / HEADER.FIELDS: present for the empty path and message/rfc822 parts. */
  readonly header?: ByteRange;
  /** BODY[n.TEXT]: present for the empty path and message/rfc822 parts. */
  readonly text?: ByteRange;
}

/** A value an IMAP response compiler serializes as is: string, number, NIL (null) or a parenthesized list. */
export type ImapValue = string | number | null | readonly ImapValue[];
