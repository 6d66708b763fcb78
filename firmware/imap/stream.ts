// IMAP framing: turns the client's byte stream into whole commands. A command is
// one or more lines joined by literals (`{n}`, `{n+}`, `~{n}`); this layer only
// knows lines and literal lengths, never command syntax, so it stays byte-exact
// across any TCP chunking and can resynchronize after a bad command.

export interface StreamLimits {
  /** Longest line outside literals (bytes, CRLF included). */
  readonly maxLineBytes: number;
  /** Largest single literal accepted. */
  readonly maxLiteralBytes: number;
  /** Largest whole command: lines plus literals. */
  readonly maxCommandBytes: number;
}

export const DEFAULT_LIMITS: StreamLimits = {
  maxLineBytes: 64 * 1024,
  maxLiteralBytes: 64 * 1024 * 1024,
  maxCommandBytes: 65 * 1024 * 1024,
};

export interface Literal {
  readonly bytes: Buffer;
  /** Sent as `~{n}` (RFC 3516 literal8): may contain NUL. */
  readonly binary: boolean;
  /** `{n}` (the client waited for a continuation) rather than `{n+}`. */
  readonly sync: boolean;
}

/**
 * One complete command. `lines[i]` (without its line end) is followed by
 * `literals[i]`; the last line has no literal after it. Every line but the last
 * ends with its literal marker, which the parser reads to know where a literal sits.
 */
export interface CommandFrame {
  readonly lines: readonly Buffer[];
  readonly literals: readonly Literal[];
  /** Bytes of lines and literals. */
  readonly size: number;
}

export type FrameErrorKind = 'line-too-long' | 'literal-too-big' | 'command-too-big';

export interface FrameError {
  readonly kind: FrameErrorKind;
  /** The command's tag when the first line started with a plausible one. */
  readonly tag: string | undefined;
  /** True when the offending literal was synchronizing: the client never sent it. */
  readonly syncLiteral: boolean;
}

export interface FrameSink {
  /** A complete command, in arrival order. */
  frame(frame: CommandFrame): void;
  /** A synchronizing literal was accepted: the client waits for `+` before sending it. */
  continuation(): void;
  /** A command was refused by framing; its bytes are already consumed. */
  reject(error: FrameError): void;
  /** A line read in raw mode (AUTHENTICATE responses, IDLE's DONE), without its line end. */
  rawLine(line: Buffer): void;
}

const LF = 0x0a;
const CR = 0x0d;
/** How much of a command's first line is kept to name the tag in an error. */
const HEAD_BYTES = 128;
const MARKER = /(~?)\{(\d{1,20})(\+?)\}$/;

/**
 * The framing state machine. Feed it socket chunks with push(); it calls the
 * sink synchronously. It never throws on client input.
 */
export class ImapStream {
  private readonly sink: FrameSink;
  private limits: StreamLimits;
  // current line
  private lineParts: Buffer[] = [];
  private lineBytes = 0;
  private lineOverflow = false;
  // current command
  private lines: Buffer[] = [];
  private literals: Literal[] = [];
  private commandBytes = 0;
  private head: Buffer | undefined;
  /** Set while the rest of a refused command is read and thrown away. */
  private discarding: FrameError | undefined;
  // current literal
  private literalLeft = -1;
  private literalParts: Buffer[] = [];
  private literalBinary = false;
  private literalSync = false;
  private rawLines = 0;
  private pending: Buffer[] = [];
  private paused = false;
  private draining = false;

  constructor(sink: FrameSink, limits: StreamLimits = DEFAULT_LIMITS) {
    this.sink = sink;
    this.limits = limits;
  }

  /** Change limits between commands (APPENDLIMIT depends on the logged-in user). */
  setLimits(limits: StreamLimits): void {
    this.limits = limits;
  }

  /** Deliver the next `count` lines through rawLine() instead of parsing them as commands. */
  expectRawLine(count = 1): void {
    this.rawLines = count;
  }

  /** Stop raw mode (e.g. AUTHENTICATE finished early). */
  cancelRawLine(): void {
    this.rawLines = 0;
  }

  /** True when no partial command is buffered (used to decide whether a close was clean). */
  get idle(): boolean {
    return (
      this.pending.length === 0 && this.literalLeft < 0 && this.lineBytes === 0 && this.lines.length === 0 && this.discarding === undefined
    );
  }

  /** Bytes received but not yet framed because the stream is paused. */
  get pendingBytes(): number {
    let n = 0;
    for (const b of this.pending) n += b.length;
    return n;
  }

  /**
   * Stop framing after the current event. The connection pauses while a
   * command runs, so a line the command reads itself (AUTHENTICATE, IDLE's
   * DONE) is never framed as a command, and no `+` interleaves with output.
   */
  pause(): void {
    this.paused = true;
  }

  /** Continue framing buffered bytes. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.draining) this.drain();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return;
    this.pending.push(buf);
    if (!this.paused && !this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      while (!this.paused && this.pending.length > 0) {
        const buf = this.pending[0]!;
        const used = this.consume(buf);
        if (used >= buf.length) this.pending.shift();
        else this.pending[0] = buf.subarray(used);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Frame bytes until the buffer ends or a sink callback paused the stream; returns bytes used. */
  private consume(buf: Buffer): number {
    let pos = 0;
    while (pos < buf.length && !this.paused) {
      if (this.literalLeft >= 0) {
        const take = Math.min(this.literalLeft, buf.length - pos);
        if (this.discarding === undefined) this.literalParts.push(buf.subarray(pos, pos + take));
        this.literalLeft -= take;
        pos += take;
        if (this.literalLeft === 0) this.endLiteral();
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      const end = lf === -1 ? buf.length : lf + 1;
      this.addLinePart(buf.subarray(pos, end));
      pos = end;
      if (lf !== -1) this.endLine();
    }
    return pos;
  }

  private addLinePart(part: Buffer): void {
    this.lineBytes += part.length;
    if (this.lineOverflow) return;
    this.lineParts.push(part);
    if (this.lineBytes > this.limits.maxLineBytes) this.overflow();
  }

  private overflow(): void {
    if (this.head === undefined && this.lines.length === 0) this.head = Buffer.concat(this.lineParts).subarray(0, HEAD_BYTES);
    this.lineOverflow = true;
    this.lineParts = [];
  }

  private endLine(): void {
    const overflowed = this.lineOverflow;
    const lineBytes = this.lineBytes;
    const line = overflowed ? Buffer.alloc(0) : stripLineEnd(Buffer.concat(this.lineParts));
    this.lineParts = [];
    this.lineBytes = 0;
    this.lineOverflow = false;

    if (this.rawLines > 0 && this.lines.length === 0 && this.discarding === undefined) {
      this.rawLines--;
      this.head = undefined;
      if (overflowed) this.sink.reject({ kind: 'line-too-long', tag: undefined, syncLiteral: false });
      else this.sink.rawLine(line);
      return;
    }
    if (this.lines.length === 0 && this.head === undefined) {
      // Tolerate blank lines between commands, as many servers do.
      if (!overflowed && line.length === 0) return;
      this.head = line.subarray(0, HEAD_BYTES);
    }
    this.commandBytes += lineBytes;
    if (overflowed) {
      // The marker of a too-long line is lost: a client following it with a
      // literal will be read as new commands, which get BAD in turn.
      this.discard('line-too-long', false);
      this.finishCommand();
      return;
    }
    if (this.commandBytes > this.limits.maxCommandBytes) this.discard('command-too-big', false);

    const marker = literalMarker(line);
    if (marker === undefined) {
      if (this.discarding === undefined) this.lines.push(line);
      this.finishCommand();
      return;
    }
    if (this.discarding !== undefined) {
      if (marker.sync) {
        // The client waits for a `+` that will not come: end the command now.
        this.finishCommand(true);
      } else this.startLiteral(marker.size, marker);
      return;
    }
    const tooBig = marker.size > this.limits.maxLiteralBytes || this.commandBytes + marker.size > this.limits.maxCommandBytes;
    if (tooBig) {
      this.discard('literal-too-big', marker.sync);
      if (marker.sync) this.finishCommand();
      else this.startLiteral(marker.size, marker);
      return;
    }
    this.lines.push(line);
    this.startLiteral(marker.size, marker);
    if (marker.sync) this.sink.continuation();
  }

  private startLiteral(size: number, marker: { binary: boolean; sync: boolean }): void {
    this.literalLeft = size;
    this.literalParts = [];
    this.literalBinary = marker.binary;
    this.literalSync = marker.sync;
    this.commandBytes += size;
    if (size === 0) this.endLiteral();
  }

  private endLiteral(): void {
    this.literalLeft = -1;
    if (this.discarding === undefined) {
      this.literals.push({ bytes: Buffer.concat(this.literalParts), binary: this.literalBinary, sync: this.literalSync });
    }
    this.literalParts = [];
  }

  private discard(kind: FrameErrorKind, syncLiteral: boolean): void {
    if (this.discarding !== undefined) return;
    this.discarding = { kind, tag: tagOf(this.head), syncLiteral };
    this.lines = [];
    this.literals = [];
  }

  private finishCommand(syncLiteral = false): void {
    const refused = this.discarding;
    const frame: CommandFrame = { lines: this.lines, literals: this.literals, size: this.commandBytes };
    this.lines = [];
    this.literals = [];
    this.commandBytes = 0;
    this.head = undefined;
    this.discarding = undefined;
    if (refused !== undefined) this.sink.reject(syncLiteral ? { ...refused, syncLiteral } : refused);
    else this.sink.frame(frame);
  }
}

function stripLineEnd(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return line.subarray(0, end);
}

/** The literal announced at the end of a line, if any. */
export function literalMarker(line: Buffer): { size: number; sync: boolean; binary: boolean; length: number } | undefined {
  if (line.length < 3 || line[line.length - 1] !== 0x7d) return undefined;
  const tail = line.subarray(Math.max(0, line.length - 26)).toString('latin1');
  const m = MARKER.exec(tail);
  if (m === null) return undefined;
  const size = Number(m[2]);
  return {
    size: Number.isSafeInteger(size) ? size : Number.MAX_SAFE_INTEGER,
    sync: m[3] !== '+',
    binary: m[1] === '~',
    length: m[0].length,
  };
}

const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c-\x7e]+/;

/** A plausible tag from the first bytes of a command (ASTRING-CHAR except "+"). */
export function tagOf(head: Buffer | undefined): string | undefined {
  if (head === undefined) return undefined;
  const text = head.toString('latin1');
  const m = TAG.exec(text);
  if (m === null) return undefined;
  const next = text.charCodeAt(m[0].length);
  // Only a tag followed by a space (or a truncated head) is trusted.
  if (next === 0x20 || m[0].length === text.length) return m[0].slice(0, 64);
  return undefined;
}
