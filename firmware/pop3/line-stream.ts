// POP3 framing: turns the client's byte stream into lines. It knows nothing of
// commands, so it stays byte-exact across any TCP chunking. A line longer than
// the limit is discarded up to its line end and reported once, so the session
// can answer -ERR and go on (RFC 2449 section 4: commands are at most 255 octets).

export interface LineSink {
  /** A complete line, without its CRLF (or bare LF), in arrival order. */
  line(line: Buffer): void;
  /** A line exceeded the limit; its bytes were dropped. */
  tooLong(): void;
}

/** RFC 2449: a command line, CRLF included, is at most 255 octets. */
export const MAX_COMMAND_LINE = 255;

export class LineStream {
  private readonly sink: LineSink;
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Dropping the rest of an over-long line until its line end. */
  private discarding = false;
  /** Current limit, CRLF included; raised while a SASL response is awaited. */
  maxLineBytes: number;

  constructor(sink: LineSink, maxLineBytes = MAX_COMMAND_LINE) {
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      if (this.discarding) {
        if (lf === -1) return;
        this.discarding = false;
        start = lf + 1;
        continue;
      }
      if (lf === -1) {
        const piece = chunk.subarray(start);
        // Unfinished: it may still end in CR, so one byte of the CRLF may already be here.
        if (this.partBytes + piece.length > this.maxLineBytes - 1) {
          this.drop();
          this.discarding = true;
          return;
        }
        this.parts.push(Buffer.from(piece));
        this.partBytes += piece.length;
        return;
      }
      const piece = chunk.subarray(start, lf);
      start = lf + 1;
      let line = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.partBytes = 0;
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (line.length > this.maxLineBytes - 2) {
        this.sink.tooLong();
        continue;
      }
      this.sink.line(line);
    }
  }

  private drop(): void {
    this.parts = [];
    this.partBytes = 0;
    this.sink.tooLong();
  }

  /** Forget buffered input (after STLS, pipelined plaintext must not leak into the TLS session). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.discarding = false;
  }
}
