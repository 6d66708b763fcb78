// A small, independent reader of RFC 3464 reports for the tests: it splits the
// multipart/report by its boundary and reads the delivery-status fields, so a
// test checks what a mail client would see, not what the builder meant.

export interface ParsedDsn {
  readonly headers: Map<string, string>;
  readonly reportType: string | undefined;
  readonly partTypes: string[];
  readonly humanText: string;
  readonly perMessage: Map<string, string>;
  readonly recipients: Array<Map<string, string>>;
  readonly originalHeaders: string;
}

function splitHead(text: string): { head: string; body: string } {
  const i = text.indexOf('\r\n\r\n');
  return i < 0 ? { head: text, body: '' } : { head: text.slice(0, i), body: text.slice(i + 4) };
}

/** Header fields, unfolded, names lower-cased (first occurrence wins). */
export function readFields(head: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(i + 1).trim());
  }
  return out;
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`${name}="?([^";]+)"?`, 'i').exec(value);
  return m?.[1];
}

export function parseDsn(raw: Uint8Array): ParsedDsn {
  const text = Buffer.from(raw).toString('utf8');
  const { head, body } = splitHead(text);
  const headers = readFields(head);
  const ctype = headers.get('content-type') ?? '';
  if (!/^multipart\/report/i.test(ctype)) throw new Error(`not a multipart/report: ${ctype}`);
  const boundary = param(ctype, 'boundary');
  if (boundary === undefined) throw new Error('no boundary');
  const end = body.indexOf(`\r\n--${boundary}--`);
  if (end < 0) throw new Error('no closing boundary');
  const chunks = body.slice(0, end).split(`--${boundary}\r\n`).slice(1);
  const parts = chunks.map((chunk) => {
    const p = splitHead(chunk.replace(/\r\n$/, ''));
    return { fields: readFields(p.head), body: p.body };
  });
  const partTypes = parts.map((p) => p.fields.get('content-type') ?? 'text/plain');
  const statusPart = parts.find((p) => /^message\/delivery-status/i.test(p.fields.get('content-type') ?? ''));
  if (statusPart === undefined) throw new Error('no message/delivery-status part');
  const groups = statusPart.body
    .replace(/(\r\n)+$/, '')
    .split(/\r\n\r\n/)
    .map((g) => readFields(g));
  const headersPart = parts.find((p) => /^text\/rfc822-headers/i.test(p.fields.get('content-type') ?? ''));
  return {
    headers,
    reportType: param(ctype, 'report-type'),
    partTypes,
    humanText: parts[0]?.body ?? '',
    perMessage: groups[0] ?? new Map(),
    recipients: groups.slice(1),
    originalHeaders: (headersPart?.body ?? '').replace(/(\r\n)+$/, ''),
  };
}
