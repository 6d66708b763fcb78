// A message body as it goes on the POP3 wire (RFC 1939 section 3): every line
// ends in CRLF (a bare LF gets its CR), a line that starts with '.' gets one
// more, and the body ends with CRLF so the terminating ".\r\n" sits on its own
// line. For TOP it passes the header, the blank line and then only `bodyLines`
// lines, and says `complete` so the reader can stop reading the file.
//
// It works on chunks with indexOf and only splits a chunk where it inserts a
// byte, so a 20 MB body streams in constant memory at memcpy-like speed.

import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_BUF = Buffer.from('\r');
const DOT_BUF = Buffer.from('.');
const CRLF_BUF = Buffer.from('\r\n');
const LF_BUF = Buffer.from('\n');

export interface WireBodyOptions {
  /** TOP: body lines to pass after the header; undefined passes everything (RETR). */
  readonly bodyLines?: number;
}

/**
 * The encoding itself, without streams: push() takes raw chunks in order and
 * returns the wire bytes for them, end() the final line end if one is missing.
 * Used whole for small messages and inside the WireBody Transform for large ones.
 */
export class WireEncoder {
  private readonly bodyLines: number | undefined;
  private atLineStart = true;
  /** The last byte passed was CR (it may pair with an LF in the next chunk). */
  private lastWasCr = false;
  /** Bytes of the current line so far, CR included: 0 or a lone CR at LF means an empty line. */
  private lineBytes = 0;
  private inHeader = true;
  private linesSent = 0;
  /** TOP has passed everything it should; later input is ignored. */
  complete = false;

  constructor(options: WireBodyOptions = {}) {
    this.bodyLines = options.bodyLines;
    if (this.bodyLines !== undefined && this.bodyLines < 0) throw new RangeError('bodyLines must be >= 0');
  }

  /** Wire bytes for the next raw chunk (pieces of it and inserted bytes, in order). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.complete || chunk.length === 0) return out;
    let from = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.atLineStart && chunk[pos] === DOT) {
        out.push(chunk.subarray(from, pos), DOT_BUF);
        from = pos;
      }
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        this.lineBytes += chunk.length - pos;
        this.atLineStart = false;
        this.lastWasCr = chunk[chunk.length - 1] === CR;
        break;
      }
      const crBefore = lf > pos ? chunk[lf - 1] === CR : this.lastWasCr;
      if (!crBefore) {
        out.push(chunk.subarray(from, lf), CR_BUF);
        from = lf;
      }
      const contentBytes = this.lineBytes + (lf - pos) - (crBefore ? 1 : 0);
      this.lineBytes = 0;
      this.atLineStart = true;
      this.lastWasCr = false;
      pos = lf + 1;
      if (this.bodyLines !== undefined && this.lineDone(contentBytes === 0)) {
        out.push(chunk.subarray(from, pos));
        from = pos;
        this.complete = true;
        break;
      }
    }
    if (from < chunk.length && !this.complete) out.push(chunk.subarray(from));
    return out;
  }

  /** A body without a final line end still gets one, so the terminator stands alone. */
  end(): Buffer[] {
    if (this.complete || this.atLineStart) return [];
    return [this.lastWasCr ? LF_BUF : CRLF_BUF];
  }

  /** Count a finished line for TOP; true once the limit is reached. */
  private lineDone(empty: boolean): boolean {
    if (this.inHeader) {
      if (empty) {
        this.inHeader = false;
        return this.bodyLines === 0;
      }
      return false;
    }
    this.linesSent++;
    return this.linesSent >= (this.bodyLines ?? Number.POSITIVE_INFINITY);
  }
}

/** Encode a whole body held in memory (small messages). */
export function encodeWireBody(raw: Buffer, options: WireBodyOptions = {}): Buffer {
  const encoder = new WireEncoder(options);
  const parts = [...encoder.push(raw), ...encoder.end()];
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
}

/** The streaming form for large bodies read from a file. */
export class WireBody extends Transform {
  private readonly encoder: WireEncoder;

  /** Takes options, or an encoder that has already seen the start of the body. */
  constructor(from: WireBodyOptions | WireEncoder = {}) {
    super();
    this.encoder = from instanceof WireEncoder ? from : new WireEncoder(from);
  }

  /** TOP has passed everything it should: the reader may stop reading the file. */
  get complete(): boolean {
    return this.encoder.complete;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts = this.encoder.push(chunk);
    if (parts.length > 0) this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const part of this.encoder.end()) this.push(part);
    callback();
  }
}
