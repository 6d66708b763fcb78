// Parameterised MIME header values and transfer decodings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeTransfer, parseParameterized } from '../../../firmware/mime/index.ts';

describe('parseParameterized', () => {
  test('tokens, quoted strings with escapes and ;, comments, lower-cased names, first duplicate wins', () => {
    assert.deepEqual(parseParameterized('Text/Plain (comment); Charset="UTF-8"; name="a;b \\"c\\""; charset=latin1'), {
      value: 'Text/Plain',
      params: [
        ['charset', 'UTF-8'],
        ['name', 'a;b "c"'],
      ],
    });
  });

  test('RFC 2231: charset and language, percent-encoding, continuations in any order, and winning over the plain form', () => {
    assert.deepEqual(parseParameterized("attachment; filename*=utf-8'en'%E2%82%AC%20rates.txt").params, [['filename', '€ rates.txt']]);
    assert.deepEqual(
      parseParameterized('attachment; filename="fallback.txt"; filename*1*=%FC.txt; filename*0*=iso-8859-1\'\'gr%FC').params,
      [['filename', 'grüü.txt']],
    );
    assert.deepEqual(parseParameterized('x; title*0="long "; title*1="value"').params, [['title', 'long value']]);
    // A gap ends the value: *2 without *1 is ignored.
    assert.deepEqual(parseParameterized('x; t*0=a; t*2=c').params, [['t', 'a']]);
  });

  test('encoded words in values are decoded, except in the boundary', () => {
    assert.deepEqual(parseParameterized('a/b; name="=?utf-8?B?0KTQvtGC0L4uanBn?="').params, [['name', 'Фото.jpg']]);
    assert.deepEqual(parseParameterized('multipart/mixed; boundary="=?x?Q?y?="').params, [['boundary', '=?x?Q?y?=']]);
  });

  test('junk is tolerated: missing values, unterminated quotes, stray semicolons', () => {
    assert.deepEqual(parseParameterized('text/plain;;; =x; novalue; name="open').params, [['name', 'open']]);
    assert.deepEqual(parseParameterized('').params, []);
  });
});

describe('decodeTransfer', () => {
  const dec = (s: string, enc: string) => Buffer.from(decodeTransfer(Buffer.from(s, 'latin1'), 0, s.length, enc)).toString('latin1');
  test('base64: line breaks and junk skipped, padding ends a quantum', () => {
    assert.equal(dec('SGVs\r\nbG8=', 'base64'), 'Hello');
    assert.equal(dec('SGVs*bG8!', 'base64'), 'Hello');
    assert.equal(dec('SGk=SGk=', 'BASE64'), 'HiHi');
  });

  test('quoted-printable: soft breaks, hex either case, bad escapes kept, trailing blanks dropped', () => {
    assert.equal(dec('caf=E9 =\r\nna=efve\r\n', 'quoted-printable'), 'caf\xe9 na\xefve\r\n');
    assert.equal(dec('a=ZZb = c', 'quoted-printable'), 'a=ZZb = c');
    assert.equal(dec('pad   \r\nnext\t\nend=  \r\n!', 'quoted-printable'), 'pad\r\nnext\nend!');
  });

  test('identity encodings pass the bytes through', () => {
    assert.equal(dec('=E9', '8bit'), '=E9');
    assert.equal(dec('=E9', 'x-uuencode'), '=E9');
  });
});
