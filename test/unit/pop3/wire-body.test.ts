// WireBody: dot-stuffing, CRLF normalisation and TOP limits must not depend
// on where the file read splits the bytes, so every case runs under every
// chunking from one byte at a time to all at once, and the in-memory form
// used for small messages gives the same bytes.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { encodeWireBody, WireBody } from '../../../firmware/pop3/wire-body.ts';

async function wire(input: string, chunkSize: number, bodyLines?: number): Promise<string> {
  const bytes = Buffer.from(input, 'latin1');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const body = new WireBody(bodyLines === undefined ? {} : { bodyLines });
  const out: Buffer[] = [];
  Readable.from(chunks).pipe(body);
  for await (const chunk of body) {
    out.push(chunk as Buffer);
    if (body.complete) break;
  }
  return Buffer.concat(out).toString('latin1');
}

async function allChunkings(input: string, expected: string, bodyLines?: number): Promise<void> {
  const whole = encodeWireBody(Buffer.from(input, 'latin1'), bodyLines === undefined ? {} : { bodyLines });
  assert.equal(whole.toString('latin1'), expected, `whole: ${JSON.stringify(input)}`);
  for (const size of [1, 2, 3, 5, 7, 64, 100_000]) {
    assert.equal(await wire(input, size, bodyLines), expected, `chunks of ${size}: ${JSON.stringify(input)}`);
  }
}

describe('WireBody', () => {
  it('passes a clean CRLF message unchanged', async () => {
    await allChunkings('Subject: a\r\n\r\nbody\r\n', 'Subject: a\r\n\r\nbody\r\n');
  });

  it('doubles a leading dot on every line, and only there', async () => {
    await allChunkings('.\r\n..\r\n.a\r\nb.c\r\n . \r\n', '..\r\n...\r\n..a\r\nb.c\r\n . \r\n');
  });

  it('turns bare LF into CRLF, keeps bare CR inside a line, and ends with CRLF', async () => {
    await allChunkings('a\nb\r\nc\rd\n\n.e', 'a\r\nb\r\nc\rd\r\n\r\n..e\r\n');
    await allChunkings('ends in cr\r', 'ends in cr\r\n');
    await allChunkings('', '');
  });

  it('TOP: header, blank line, then n lines', async () => {
    const msg = 'A: 1\r\nB: 2\n\r\nl1\r\n.l2\nl3\r\n';
    await allChunkings(msg, 'A: 1\r\nB: 2\r\n\r\n', 0);
    await allChunkings(msg, 'A: 1\r\nB: 2\r\n\r\nl1\r\n', 1);
    await allChunkings(msg, 'A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n', 2);
    await allChunkings(msg, 'A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n', 9);
    await allChunkings('A: 1\nB: 2\n', 'A: 1\r\nB: 2\r\n', 0);
    await allChunkings('A: 1\n\nbody without end', 'A: 1\r\n\r\nbody without end\r\n', 5);
  });

  it('matches a byte-by-byte reference on random input', async () => {
    const alphabet = ['.', '\r', '\n', 'a', ' '];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 200; n++) {
      let input = '';
      for (let i = 0; i < 40; i++) input += alphabet[Math.floor(random() * alphabet.length)];
      await allChunkings(input, reference(input));
    }
  });
});

/** The rules spelled out one byte at a time. */
function reference(input: string): string {
  let out = '';
  let atLineStart = true;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (atLineStart && ch === '.') out += '.';
    atLineStart = false;
    if (ch === '\n') {
      if (input[i - 1] !== '\r') out += '\r';
      atLineStart = true;
    }
    out += ch;
  }
  if (!atLineStart) out += input.endsWith('\r') ? '\n' : '\r\n';
  return out;
}
