// The IMAP response compiler: pure, from response values to wire chunks. A
// plain JS string is an IMAP string (quoted when safe, else a literal), so the
// nested arrays a MIME room produces for ENVELOPE and BODYSTRUCTURE compile
// as they are; atoms are explicit. Large bodies stay streams: the output is a
// list of buffers with stream parts between them, never one big string.

export interface Atom {
  readonly kind: 'atom';
  /** Written verbatim: flags, keywords, `BODY[1.TEXT]<0>` keys. Never CR, LF or NUL. */
  readonly value: string;
}

export interface LiteralValue {
  readonly kind: 'literal';
  readonly bytes: Uint8Array;
  /** literal8 (`~{n}`) for BINARY data that may hold NUL. */
  readonly binary?: boolean;
}

/** Body data read lazily: exactly `size` bytes must come out of open(). */
export interface StreamValue {
  readonly kind: 'stream';
  readonly size: number;
  readonly binary?: boolean;
  open(): AsyncIterable<Uint8Array>;
}

export type ImapValue = string | number | bigint | null | Uint8Array | Atom | LiteralValue | StreamValue | readonly ImapValue[];

export type StatusName = 'OK' | 'NO' | 'BAD' | 'PREAUTH' | 'BYE';

export type ResponseCodeName =
  | 'ALERT'
  | 'ALREADYEXISTS'
  | 'APPENDUID'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'BADCHARSET'
  | 'CANNOT'
  | 'CAPABILITY'
  | 'CLIENTBUG'
  | 'CLOSED'
  | 'COMPRESSIONACTIVE'
  | 'CONTACTADMIN'
  | 'COPYUID'
  | 'EXPIRED'
  | 'EXPUNGEISSUED'
  | 'HASCHILDREN'
  | 'HIGHESTMODSEQ'
  | 'INUSE'
  | 'LIMIT'
  | 'MODIFIED'
  | 'NOMODSEQ'
  | 'NONEXISTENT'
  | 'NOPERM'
  | 'OVERQUOTA'
  | 'PARSE'
  | 'PERMANENTFLAGS'
  | 'PRIVACYREQUIRED'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'SERVERBUG'
  | 'TOOBIG'
  | 'TRYCREATE'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNAVAILABLE'
  | 'UNKNOWN-CTE'
  | 'UNSEEN'
  | 'USEATTR';

export interface ResponseCode {
  readonly name: ResponseCodeName;
  readonly args?: readonly ImapValue[];
}

export type ImapResponse =
  /** `tag OK [CODE] text`, or untagged (`* OK ...`) without a tag. */
  | {
      readonly type: 'status';
      readonly tag?: string;
      readonly status: StatusName;
      readonly code?: ResponseCode;
      readonly text: string;
    }
  /** `* value value ...`, e.g. `* 3 EXISTS`, `* 1 FETCH (...)`. */
  | { readonly type: 'data'; readonly values: readonly ImapValue[] }
  /** `+ text` (literal and AUTHENTICATE continuations). */
  | { readonly type: 'continue'; readonly text: string };

/** What the compiler emits: bytes, with lazily read body streams between them. */
export type OutputChunk = Buffer | StreamValue;

export function atom(value: string): Atom {
  return { kind: 'atom', value };
}

export function literal(bytes: Uint8Array, binary = false): LiteralValue {
  return binary ? { kind: 'literal', bytes, binary } : { kind: 'literal', bytes };
}

/** Longest string sent quoted; longer ones go as literals, which clients read faster. */
const MAX_QUOTED = 1024;

/** Collects text and byte parts; adjacent text is one string until bytes or a stream interrupt it. */
class Builder {
  readonly chunks: OutputChunk[] = [];
  private parts: Buffer[] = [];
  private pending = '';

  text(s: string): void {
    this.pending += s;
  }

  bytes(b: Uint8Array): void {
    this.flushText();
    this.parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }

  stream(s: StreamValue): void {
    this.flush();
    this.chunks.push(s);
  }

  private flushText(): void {
    if (this.pending === '') return;
    this.parts.push(Buffer.from(this.pending, 'latin1'));
    this.pending = '';
  }

  flush(): void {
    this.flushText();
    if (this.parts.length === 0) return;
    this.chunks.push(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts));
    this.parts = [];
  }
}

function quotable(s: string): boolean {
  if (s.length > MAX_QUOTED) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function writeLiteral(b: Builder, bytes: Uint8Array, binary: boolean): void {
  b.text(`${binary ? '~' : ''}{${bytes.byteLength}}\r\n`);
  b.bytes(bytes);
}

function writeValue(b: Builder, v: ImapValue): void {
  if (v === null) b.text('NIL');
  else if (typeof v === 'string') {
    if (quotable(v)) b.text(quote(v));
    else writeLiteral(b, Buffer.from(v, 'utf8'), false);
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not an IMAP number: ${v}`);
    b.text(String(v));
  } else if (typeof v === 'bigint') {
    if (v < 0n) throw new RangeError(`not an IMAP number: ${v}`);
    b.text(v.toString());
  } else if (v instanceof Uint8Array) {
    const s = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
    if (quotable(s)) b.text(quote(s));
    else writeLiteral(b, v, false);
  } else if (Array.isArray(v)) {
    b.text('(');
    v.forEach((item: ImapValue, i: number) => {
      if (i > 0) b.text(' ');
      writeValue(b, item);
    });
    b.text(')');
  } else writeTagged(b, v as Atom | LiteralValue | StreamValue);
}

function writeTagged(b: Builder, v: Atom | LiteralValue | StreamValue): void {
  switch (v.kind) {
    case 'atom':
      if (/[\r\n\0]/.test(v.value) || v.value.length === 0) throw new RangeError('invalid atom');
      b.text(v.value);
      break;
    case 'literal':
      writeLiteral(b, v.bytes, v.binary === true);
      break;
    case 'stream':
      b.text(`${v.binary === true ? '~' : ''}{${v.size}}\r\n`);
      b.stream(v);
      break;
  }
}

/** Free text after a status: one line of printable ASCII (UTF8=ACCEPT is not offered). */
export function sanitizeText(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  // A text starting with `[` would be read as a response code.
  return clean.startsWith('[') ? ` ${clean}` : clean;
}

function writeCode(b: Builder, code: ResponseCode): void {
  b.text(`[${code.name}`);
  for (const arg of code.args ?? []) {
    b.text(' ');
    writeValue(b, arg);
  }
  b.text('] ');
}

/** Compile one response into wire chunks (one Buffer unless it carries streams). */
export function compileResponse(response: ImapResponse): OutputChunk[] {
  const b = new Builder();
  switch (response.type) {
    case 'status':
      b.text(`${response.tag ?? '*'} ${response.status} `);
      if (response.code !== undefined) writeCode(b, response.code);
      b.text(sanitizeText(response.text || response.status));
      break;
    case 'data':
      b.text('*');
      for (const v of response.values) {
        b.text(' ');
        writeValue(b, v);
      }
      break;
    case 'continue':
      b.text(`+ ${sanitizeText(response.text)}`);
      break;
  }
  b.text('\r\n');
  b.flush();
  return b.chunks;
}

/** Compile a single value (tests and callers that embed values). */
export function compileValue(value: ImapValue): OutputChunk[] {
  const b = new Builder();
  writeValue(b, value);
  b.flush();
  return b.chunks;
}

/** A response made only of bytes (no streams), as one Buffer. */
export function compileToBuffer(response: ImapResponse): Buffer {
  const chunks = compileResponse(response);
  if (chunks.some((c) => !Buffer.isBuffer(c))) throw new TypeError('response holds a stream');
  return Buffer.concat(chunks as Buffer[]);
}

/** `* n FETCH (KEY value ...)` from key/value pairs in the order given. */
export function fetchResponse(seq: number, items: ReadonlyArray<readonly [string, ImapValue]>): ImapResponse {
  const list: ImapValue[] = [];
  for (const [key, value] of items) list.push(atom(key), value);
  return { type: 'data', values: [seq, atom('FETCH'), list] };
}
