import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasOnlyCrlf, toCrlf } from '../../../firmware/mime/index.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('line ends', () => {
  it('leaves CRLF-only text alone, without a copy', () => {
    const crlf = Buffer.from('a\r\nb\r\n\r\nc');
    assert.equal(hasOnlyCrlf(crlf), true);
    assert.equal(toCrlf(crlf), crlf);
    assert.equal(hasOnlyCrlf(Buffer.alloc(0)), true);
  });

  it('turns bare LF and bare CR into CRLF, at the edges too', () => {
    for (const [input, expected] of [
      ['\nstart', '\r\nstart'],
      ['end\n', 'end\r\n'],
      ['end\r', 'end\r\n'],
      ['a\nb\r\nc\rd', 'a\r\nb\r\nc\r\nd'],
      ['\r\r\n\n', '\r\n\r\n\r\n'],
      ['8-bit \xe9\n', '8-bit \xe9\r\n'],
    ] as const) {
      const input8 = Buffer.from(input, 'latin1');
      assert.equal(hasOnlyCrlf(input8), false, JSON.stringify(input));
      assert.equal(text(toCrlf(input8)), expected, JSON.stringify(input));
      assert.equal(hasOnlyCrlf(toCrlf(input8)), true);
    }
  });

  it('normalises random bytes to CRLF-only in one pass, idempotently', () => {
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(Array.from({ length: 64 }, () => [0x0d, 0x0a, 0x41][Math.floor(Math.random() * 3)] as number));
      const once = toCrlf(bytes);
      assert.equal(hasOnlyCrlf(once), true);
      assert.deepEqual(Buffer.from(toCrlf(once)), Buffer.from(once));
    }
  });
});
