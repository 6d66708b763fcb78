// Delivery status notifications (RFC 3464 inside an RFC 6522 multipart/report):
// the bounce after a permanent failure or expiry, and the one-time delay notice.
// Pure: the caller passes the clock, the ids and the original headers.

import { rfc5322Date } from '../received.ts';

export type DsnAction = 'failed' | 'delayed';

export interface DsnRecipient {
  readonly address: string;
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. "5.1.1". */
  readonly status: string;
  /** The host that answered, when one did. */
  readonly remoteMta?: string;
  /** The reply that settled it, one line ("550 5.1.1 No such user"). */
  readonly diagnostic?: string;
  readonly lastAttemptAt?: number;
}

export interface DsnInput {
  /** This box's name: Reporting-MTA and the MAILER-DAEMON address. */
  readonly reportingMta: string;
  /** The queue id of the original, so the admin can find it in the log. */
  readonly queueId: string;
  /** The envelope sender of the original: the DSN goes there. */
  readonly to: string;
  readonly arrivalDate: number;
  readonly recipients: readonly DsnRecipient[];
  /** The header block of the original message (without the blank line). */
  readonly originalHeaders: string;
  readonly now: number;
  /** Unique part of the Message-ID and the MIME boundary (the caller makes it random). */
  readonly uniqueId: string;
  /** For a delay notice: until when the box keeps trying. */
  readonly willRetryUntil?: number;
}

export { rfc5322Date };

/** The header block of a raw message: everything before the first empty line, CRLF line ends. */
export function headerBlock(raw: Uint8Array): string {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let end = buf.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = buf.indexOf('\n\n');
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf;
    sepLen = 2;
  }
  const head = buf.subarray(0, end < 0 ? buf.length : end + sepLen / 2).toString('utf8');
  return toCrlf(head).replace(/(\r\n)+$/, '');
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** A DSN field value must stay on one line and under the 998-octet limit. */
function field(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return flat.length > 900 ? flat.slice(0, 900) + '...' : flat;
}

function humanText(input: DsnInput, delayed: boolean): string {
  const lines = [`This is the mail system at ${input.reportingMta}.`, ''];
  if (delayed) {
    lines.push(
      'Your message has not been delivered yet to the recipients below.',
      'The mail system keeps trying; you do not need to send it again.',
    );
    if (input.willRetryUntil !== undefined) lines.push(`It will keep trying until ${rfc5322Date(input.willRetryUntil)}.`);
  } else {
    lines.push('Your message could not be delivered to the recipients below.', 'It has been given up; this is a permanent error.');
  }
  lines.push('');
  for (const r of input.recipients) {
    const where = r.remoteMta === undefined ? '' : ` (answer from ${r.remoteMta})`;
    lines.push(`<${r.address}>: ${r.diagnostic ?? r.status}${where}`);
  }
  lines.push('', `Queue id: ${input.queueId}`, '');
  return lines.join('\r\n');
}

function deliveryStatus(input: DsnInput): string {
  const lines = [`Reporting-MTA: dns; ${field(input.reportingMta)}`, `X-Pochta-Queue-ID: ${field(input.queueId)}`];
  lines.push(`Arrival-Date: ${rfc5322Date(input.arrivalDate)}`);
  for (const r of input.recipients) {
    lines.push('');
    lines.push(`Final-Recipient: rfc822; ${field(r.address)}`);
    lines.push(`Action: ${r.action}`);
    lines.push(`Status: ${r.status}`);
    if (r.remoteMta !== undefined) lines.push(`Remote-MTA: dns; ${field(r.remoteMta)}`);
    if (r.diagnostic !== undefined) lines.push(`Diagnostic-Code: smtp; ${field(r.diagnostic)}`);
    if (r.lastAttemptAt !== undefined) lines.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptAt)}`);
    if (r.action === 'delayed' && input.willRetryUntil !== undefined) lines.push(`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`);
  }
  return lines.join('\r\n') + '\r\n';
}

/** Build the whole DSN message (CRLF line ends), ready to store or send with the null sender. */
export function buildDsn(input: DsnInput): Buffer {
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const boundary = `=_pochta-dsn-${input.uniqueId}`;
  const nonAscii = (s: string) => /[^\t\r\n\x20-\x7e]/.test(s);
  const headers = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <${input.uniqueId}@${input.reportingMta}>`,
    // RFC 3834: automatic replies must not trigger further automatic replies.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
  ];
  const text = humanText(input, delayed);
  const status = deliveryStatus(input);
  const original = input.originalHeaders;
  const parts = [
    headers.join('\r\n'),
    '',
    'This is a MIME-formatted delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${nonAscii(text) ? '8bit' : '7bit'}`,
    '',
    text,
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    status,
    `--${boundary}`,
    'Content-Description: Undelivered message headers',
    'Content-Type: text/rfc822-headers',
    `Content-Transfer-Encoding: ${nonAscii(original) ? '8bit' : '7bit'}`,
    '',
    original,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(parts.join('\r\n'), 'utf8');
}
