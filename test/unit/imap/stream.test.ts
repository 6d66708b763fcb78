import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommandFrame, type FrameError, ImapStream, type StreamLimits, tagOf } from '../../../firmware/imap/stream.ts';

/** Events as readable strings, so a whole transcript compares at once. */
function collect(limits?: StreamLimits, raw?: (s: ImapStream) => void) {
  const events: string[] = [];
  const frames: CommandFrame[] = [];
  let stream: ImapStream;
  const sink = {
    frame(f: CommandFrame) {
      frames.push(f);
      const parts: string[] = [];
      f.lines.forEach((l, i) => {
        parts.push(l.toString('latin1'));
        const lit = f.literals[i];
        if (lit) parts.push(`<${lit.sync ? 's' : 'n'}${lit.binary ? 'b' : ''}:${lit.bytes.toString('latin1')}>`);
      });
      events.push(`frame ${parts.join('')}`);
    },
    continuation() {
      events.push('+');
    },
    reject(e: FrameError) {
      events.push(`reject ${e.kind} ${e.tag ?? '-'}${e.syncLiteral ? ' sync' : ''}`);
    },
    rawLine(line: Buffer) {
      events.push(`raw ${line.toString('latin1')}`);
      raw?.(stream);
    },
  };
  stream = new ImapStream(sink, limits);
  return { stream, events, frames };
}

function feedAll(input: Buffer, chunks: number[], limits?: StreamLimits) {
  const c = collect(limits);
  let pos = 0;
  for (const at of chunks) {
    c.stream.push(input.subarray(pos, at));
    pos = at;
  }
  c.stream.push(input.subarray(pos));
  return c;
}

/** Every single split point and every pair of split points gives the same events. */
function assertSplitInvariant(input: Buffer, limits?: StreamLimits, pairs = true) {
  const whole = feedAll(input, [], limits).events;
  const bytewise = feedAll(
    input,
    Array.from({ length: input.length }, (_, i) => i),
    limits,
  ).events;
  assert.deepEqual(bytewise, whole, 'byte by byte');
  for (let i = 1; i < input.length; i++) {
    assert.deepEqual(feedAll(input, [i], limits).events, whole, `split at ${i}`);
    if (pairs)
      for (let j = i + 1; j < input.length; j += 3) assert.deepEqual(feedAll(input, [i, j], limits).events, whole, `split ${i},${j}`);
  }
  return whole;
}

const small: StreamLimits = { maxLineBytes: 40, maxLiteralBytes: 10, maxCommandBytes: 60 };

describe('imap stream framing', () => {
  it('frames CRLF and bare LF lines, skips blank lines', () => {
    const events = assertSplitInvariant(Buffer.from('a1 NOOP\r\n\r\na2 CAPABILITY\na3 LOGOUT\r\n'));
    assert.deepEqual(events, ['frame a1 NOOP', 'frame a2 CAPABILITY', 'frame a3 LOGOUT']);
  });

  it('asks for continuation on synchronizing literals and keeps literal bytes exact', () => {
    const input = Buffer.from('a1 LOGIN {3}\r\nb\r\n {4}\r\n\x00\xff}\n\r\na2 NOOP\r\n', 'latin1');
    const events = assertSplitInvariant(input);
    assert.deepEqual(events, ['+', '+', 'frame a1 LOGIN {3}<s:b\r\n> {4}<s:\x00\xff}\n>', 'frame a2 NOOP']);
  });

  it('reads non-synchronizing and literal8 markers without continuation', () => {
    const input = Buffer.from('a1 APPEND INBOX {2+}\r\nhi ~{3}\r\n\x00a\x00\r\n');
    const events = assertSplitInvariant(input);
    assert.deepEqual(events, ['+', 'frame a1 APPEND INBOX {2+}<n:hi> ~{3}<sb:\x00a\x00>']);
  });

  it('handles zero-length literals', () => {
    const events = assertSplitInvariant(Buffer.from('a LOGIN {0}\r\n {0+}\r\n\r\nb NOOP\r\n'));
    assert.deepEqual(events, ['+', 'frame a LOGIN {0}<s:> {0+}<n:>', 'frame b NOOP']);
  });

  it('refuses an over-limit synchronizing literal at once and expects a new command', () => {
    const input = Buffer.from('t1 APPEND x {11}\r\nt2 NOOP\r\n');
    const events = assertSplitInvariant(input, small);
    assert.deepEqual(events, ['reject literal-too-big t1 sync', 'frame t2 NOOP']);
  });

  it('reads and discards an over-limit non-synchronizing literal, then rejects the whole command', () => {
    const input = Buffer.from('t1 APPEND x {11+}\r\n0123456789A {2+}\r\nzz more {1}\r\nt2 NOOP\r\n');
    const events = assertSplitInvariant(input, small);
    // The sync literal inside a refused command ends it: its client waits for `+`.
    assert.deepEqual(events, ['reject literal-too-big t1 sync', 'frame t2 NOOP']);
    const plain = assertSplitInvariant(Buffer.from('t1 APPEND x {11+}\r\n0123456789A\r\nt2 NOOP\r\n'), small);
    assert.deepEqual(plain, ['reject literal-too-big t1', 'frame t2 NOOP']);
  });

  it('rejects too-long lines with the tag and resynchronizes at the next line end', () => {
    const long = `x1 LOGIN ${'a'.repeat(100)}\r\nx2 NOOP\r\n`;
    const events = assertSplitInvariant(Buffer.from(long), small, false);
    assert.deepEqual(events, ['reject line-too-long x1', 'frame x2 NOOP']);
  });

  it('rejects a command whose total size exceeds the limit', () => {
    const input = Buffer.from('c1 X {9+}\r\n123456789 {9+}\r\n123456789 {9+}\r\n123456789 {9+}\r\n123456789\r\nc2 NOOP\r\n');
    const events = assertSplitInvariant(input, small, false);
    assert.deepEqual(events, ['reject literal-too-big c1', 'frame c2 NOOP']);
  });

  it('delivers raw lines for AUTHENTICATE and IDLE without literal parsing', () => {
    const c = collect(undefined, () => undefined);
    c.stream.push(Buffer.from('a AUTHENTICATE PLAIN\r\n'));
    c.stream.expectRawLine();
    c.stream.push(Buffer.from('AGJvYgBzZWNyZXQ= {5}\r\nb NOOP\r\n'));
    assert.deepEqual(c.events, ['frame a AUTHENTICATE PLAIN', 'raw AGJvYgBzZWNyZXQ= {5}', 'frame b NOOP']);
  });

  it('pauses after a frame so a command can read its own next line', () => {
    const events: string[] = [];
    const stream: ImapStream = new ImapStream({
      frame(f) {
        events.push(`frame ${f.lines[0]!.toString()}`);
        stream.pause();
      },
      continuation: () => events.push('+'),
      reject: (e) => events.push(`reject ${e.kind}`),
      rawLine(line) {
        events.push(`raw ${line.toString()}`);
        stream.pause();
      },
    });
    // A client that sends AUTHENTICATE and its response in one packet.
    stream.push(Buffer.from('a AUTHENTICATE PLAIN\r\nAGJvYgBzZWNyZXQ=\r\nb NOOP\r\n'));
    assert.deepEqual(events, ['frame a AUTHENTICATE PLAIN']);
    assert.equal(stream.pendingBytes, 26);
    stream.expectRawLine();
    stream.resume();
    assert.deepEqual(events, ['frame a AUTHENTICATE PLAIN', 'raw AGJvYgBzZWNyZXQ=']);
    stream.resume();
    stream.push(Buffer.from('c NOOP\r\n'));
    assert.deepEqual(events.slice(2), ['frame b NOOP']);
    stream.resume();
    assert.deepEqual(events.slice(3), ['frame c NOOP']);
    assert.equal(stream.idle, true);
  });

  it('treats odd markers as plain text', () => {
    const events = assertSplitInvariant(Buffer.from('a X {abc}\r\nb Y {1\r\nc Z 1}\r\n'));
    assert.deepEqual(events, ['frame a X {abc}', 'frame b Y {1', 'frame c Z 1}']);
  });

  it('reports idle only between commands', () => {
    const c = collect();
    assert.equal(c.stream.idle, true);
    c.stream.push(Buffer.from('a LOGIN {3}\r\nab'));
    assert.equal(c.stream.idle, false);
    c.stream.push(Buffer.from('c\r\n'));
    assert.equal(c.stream.idle, true);
  });

  it('extracts plausible tags only', () => {
    assert.equal(tagOf(Buffer.from('A001 NOOP')), 'A001');
    assert.equal(tagOf(Buffer.from('* NOOP')), undefined);
    assert.equal(tagOf(Buffer.from('a+b NOOP')), undefined);
    assert.equal(tagOf(Buffer.from('')), undefined);
  });
});
