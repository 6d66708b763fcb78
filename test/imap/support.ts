// Helpers for the IMAP protocol tests: append raw messages with LITERAL+ and
// build small RFC 5322 messages.

import type { TestClient } from '../unit/imap/client.ts';

let counter = 0;

/** APPEND a message as a non-synchronizing literal; resolves the new UID from APPENDUID. */
export async function append(c: TestClient, mailbox: string, body: string | Buffer, extra = ''): Promise<number> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const tag = `ap${++counter}`;
  c.write(
    Buffer.concat([
      Buffer.from(`${tag} APPEND ${mailbox}${extra === '' ? '' : ` ${extra}`} {${bytes.length}+}\r\n`),
      bytes,
      Buffer.from('\r\n'),
    ]),
  );
  const r = await c.until(tag);
  const m = /APPENDUID \d+ (\d+)/.exec(r.at(-1) ?? '');
  if (m === null) throw new Error(`APPEND failed: ${r.join('\n')}`);
  return Number(m[1]);
}

/** A small text message with CRLF line ends. */
export function message(
  fields: { from?: string; to?: string; subject?: string; date?: string; body?: string; headers?: string[] } = {},
): string {
  const lines = [
    `From: ${fields.from ?? 'Alice <alice@example.com>'}`,
    `To: ${fields.to ?? 'Bob <bob@example.org>'}`,
    `Subject: ${fields.subject ?? 'Hello'}`,
    `Date: ${fields.date ?? 'Tue, 3 Mar 2026 09:15:00 +0100'}`,
    'Message-ID: <m' + ++counter + '@example.com>',
    ...(fields.headers ?? []),
    '',
    fields.body ?? 'Just a line.',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The last line of a transcript (the tagged reply). */
export function tagged(lines: readonly string[]): string {
  return lines.at(-1) ?? '';
}
