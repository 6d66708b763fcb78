// The Received trace header (RFC 5321 section 4.4) each delivery target
// prepends. It records the hop (client name and address, our name, protocol,
// TLS) and never anything secret: no AUTH identity, no password.

import type { Envelope } from './target.ts';

/** RFC 5321 "with" protocol: ESMTP + S (TLS) + A (authenticated), RFC 3848. */
export function transmissionType(envelope: Envelope): string {
  const c = envelope.client;
  if (!c.esmtp) return 'SMTP';
  return 'ESMTP' + (c.secure ? 'S' : '') + (envelope.authUser ? 'A' : '');
}

/**
 * The header field, folded, ending in CRLF. `recipients` names the envelope
 * recipients; a `for` clause is written only for a single one, so a message
 * to many does not reveal the others to each.
 */
export function receivedHeader(envelope: Envelope, options: { hostname: string; recipients: readonly string[]; now: number }): string {
  const c = envelope.client;
  const helo = clean(c.helo ?? '') || 'unknown';
  const ip = c.remoteAddress.includes(':') ? `IPv6:${c.remoteAddress}` : c.remoteAddress;
  const rdns = c.remoteHostname && !c.remoteHostname.startsWith('[') ? clean(c.remoteHostname) + ' ' : '';
  const lines = [
    `Received: from ${helo} (${rdns}[${ip}])`,
    `\tby ${clean(options.hostname)} (Pochta) with ${transmissionType(envelope)} id ${clean(envelope.messageId)}`,
  ];
  if (c.secure) {
    const tls = [c.tlsProtocol && `version=${clean(c.tlsProtocol)}`, c.tlsCipher && `cipher=${clean(c.tlsCipher)}`]
      .filter(Boolean)
      .join(' ');
    if (tls) lines.push(`\t(${tls})`);
  }
  const only = options.recipients.length === 1 ? options.recipients[0] : undefined;
  if (only) lines.push(`\tfor <${clean(only)}>;`);
  else lines[lines.length - 1] += ';';
  lines.push(`\t${rfc5322Date(options.now)}`);
  return lines.join('\r\n') + '\r\n';
}

// Client-supplied names (HELO) go into a header: keep them printable ASCII and
// free of the characters that would end a comment or a field.
function clean(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '').replace(/[()\\;<>]/g, '');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC with a numeric zone ("Fri, 27 Nov 2026 19:30:52 +0000"). */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
