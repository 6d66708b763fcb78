// RFC 2047 encoded words and charset decoding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCharset, decodeEncodedWords } from '../../../firmware/mime/index.ts';

describe('decodeEncodedWords', () => {
  test('B and Q, with underscores and case-insensitive encodings', () => {
    assert.equal(decodeEncodedWords('=?UTF-8?B?SGVsbG8gV29ybGQ=?='), 'Hello World');
    assert.equal(decodeEncodedWords('=?iso-8859-1?q?caf=E9_cr=E8me?='), 'café crème');
    assert.equal(decodeEncodedWords('Re: =?utf-8?Q?=E2=82=AC?= 5'), 'Re: € 5');
  });

  test('whitespace between adjacent words goes, text around them stays', () => {
    assert.equal(decodeEncodedWords('=?utf-8?Q?a?= =?utf-8?Q?b?=\r\n =?utf-8?Q?c?= d'), 'abc d');
    assert.equal(decodeEncodedWords('x =?utf-8?Q?a?= y'), 'x a y');
  });

  test('a multi-byte character split across words is joined before decoding', () => {
    // "ü" is C3 BC: the first word ends with C3, the second starts with BC.
    assert.equal(decodeEncodedWords('=?utf-8?B?R3LD?= =?utf-8?B?vGU=?='), 'Grüe');
    assert.equal(decodeEncodedWords('=?utf-8?Q?Gr=C3?= =?UTF-8?Q?=BCe?='), 'Grüe');
  });

  test('charsets: windows-1251, koi8-r, iso-2022-jp, shift_jis, gb18030, language suffix', () => {
    assert.equal(decodeEncodedWords('=?windows-1251?B?z/Do4uXy?='), 'Привет');
    assert.equal(decodeEncodedWords('=?koi8-r?B?8NLP18XSy8E=?='), 'Проверка');
    assert.equal(decodeEncodedWords('=?ISO-2022-JP?B?GyRCMnE1RCRON28bKEI=?='), '会議の件');
    assert.equal(decodeEncodedWords('=?shift_jis?B?lduO5w==?='), '保守');
    assert.equal(decodeEncodedWords('=?gb18030?B?xOO6ww==?='), '你好');
    assert.equal(decodeEncodedWords('=?utf-8*en?Q?hi?='), 'hi');
  });

  test('unknown charsets degrade to latin1; malformed words stay as they are; never throws', () => {
    assert.equal(decodeEncodedWords('=?x-unknown?Q?caf=E9?='), 'café');
    assert.equal(decodeEncodedWords('=?utf-8?X?abc?='), '=?utf-8?X?abc?=');
    assert.equal(decodeEncodedWords('=?utf-8?B?'), '=?utf-8?B?');
    assert.equal(decodeEncodedWords('=?utf-8?B?!!!?='), '');
    assert.equal(decodeEncodedWords('plain text'), 'plain text');
  });
});

describe('decodeCharset', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  test('declared charsets, aliases and the replacement trap', () => {
    assert.equal(decodeCharset(bytes(0xcf, 0xf0, 0xe8), 'cp1251'), 'При');
    assert.equal(decodeCharset(bytes(0xa9, 0xb9), 'ISO-8859-2'), 'Šš');
    assert.equal(decodeCharset(bytes(0x41, 0x42), 'iso-2022-kr'), 'AB'); // WHATWG "replacement" would give U+FFFD
    assert.equal(decodeCharset(bytes(0xe9), '"x-made-up"'), 'é');
  });

  test('UTF-7, which TextDecoder lacks', () => {
    const utf7 = (s: string) => decodeCharset(Buffer.from(s, 'latin1'), 'UTF-7');
    assert.equal(utf7('Hi Mom -+Jjo--!'), 'Hi Mom -\u263a-!');
    assert.equal(utf7('A+ImIDkQ.'), 'A\u2262\u0391.');
    assert.equal(utf7('1 +- 1'), '1 + 1');
    assert.equal(decodeEncodedWords('=?utf-7?Q?+AOQ-rger?='), '\u00e4rger');
  });

  test('undeclared or ASCII-labelled 8-bit text: UTF-8 when valid, else latin1', () => {
    assert.equal(decodeCharset(bytes(0xc3, 0xa9), undefined), 'é');
    assert.equal(decodeCharset(bytes(0xe9), 'us-ascii'), 'é');
  });
});
