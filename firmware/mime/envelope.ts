// ENVELOPE (RFC 3501 7.4.2) from a parsed header block, and its IMAP form.
import { isGroup, type ParsedMailbox, parseAddressList } from './address.ts';
import { firstField, type HeaderField, unfold } from './header-block.ts';
import { imapString } from './imap-string.ts';
import type { Envelope, EnvelopeAddress, ImapValue, MimeMessage } from './types.ts';

// A hostile header with 100,000 recipients must not bloat the stored JSON.
const MAX_ADDRESSES = 1000;
// Long enough for any honest Subject or Message-ID; bounds the JSON for the rest.
const MAX_STRING = 16 * 1024;

function text(fields: readonly HeaderField[], key: string): string | null {
  const f = firstField(fields, key);
  if (f === undefined) return null;
  const v = unfold(f.value);
  return v === '' ? null : v.slice(0, MAX_STRING);
}

function toEnvelopeAddress(m: ParsedMailbox): EnvelopeAddress {
  // Like Dovecot: a missing part is filled in, so a host-less address is not mistaken for a group marker.
  return {
    name: m.name ?? null,
    adl: m.route ?? null,
    mailbox: m.mailbox ?? 'MISSING_MAILBOX',
    host: m.host ?? 'MISSING_DOMAIN',
  };
}

function addresses(fields: readonly HeaderField[], key: string): EnvelopeAddress[] | null {
  const f = firstField(fields, key);
  if (f === undefined) return null;
  const out: EnvelopeAddress[] = [];
  for (const a of parseAddressList(unfold(f.value).slice(0, 64 * MAX_STRING))) {
    if (out.length >= MAX_ADDRESSES) break;
    if (isGroup(a)) {
      out.push({ name: null, adl: null, mailbox: a.group, host: null });
      for (const m of a.members) out.push(toEnvelopeAddress(m));
      out.push({ name: null, adl: null, mailbox: null, host: null });
    } else {
      out.push(toEnvelopeAddress(a));
    }
  }
  return out.length === 0 ? null : out;
}

/** Build the ENVELOPE of a message header. Sender and Reply-To default to From when absent or empty (RFC 3501). */
export function buildEnvelope(fields: readonly HeaderField[]): Envelope {
  const from = addresses(fields, 'from');
  return {
    date: text(fields, 'date'),
    subject: text(fields, 'subject'),
    from,
    sender: addresses(fields, 'sender') ?? from,
    replyTo: addresses(fields, 'reply-to') ?? from,
    to: addresses(fields, 'to'),
    cc: addresses(fields, 'cc'),
    bcc: addresses(fields, 'bcc'),
    inReplyTo: text(fields, 'in-reply-to'),
    messageId: text(fields, 'message-id'),
  };
}

function addressList(list: readonly EnvelopeAddress[] | null): ImapValue {
  return list === null ? null : list.map((a) => [imapString(a.name), imapString(a.adl), imapString(a.mailbox), imapString(a.host)]);
}

/**
 * The ENVELOPE as nested values for the IMAP response compiler:
 * (date subject from sender reply-to to cc bcc in-reply-to message-id),
 * null for NIL, address lists as lists of (name adl mailbox host).
 */
export function imapEnvelope(message: Pick<MimeMessage, 'envelope'>): ImapValue[] {
  const e = message.envelope;
  return [
    imapString(e.date),
    imapString(e.subject),
    addressList(e.from),
    addressList(e.sender),
    addressList(e.replyTo),
    addressList(e.to),
    addressList(e.cc),
    addressList(e.bcc),
    imapString(e.inReplyTo),
    imapString(e.messageId),
  ];
}
