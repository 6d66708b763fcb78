// Header blocks on raw bytes, and HEADER.FIELDS / HEADER.FIELDS.NOT.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeHeaderValue, parseHeaderBlock, selectHeaderFields, unfold } from '../../../firmware/mime/index.ts';

const HEADER = Buffer.from(
  'From: a@example.com\r\nSubject: first line\r\n  folded\tline\r\nX-Empty:\r\nto: b@example.com\r\nComments : old style\r\n\r\nbody\r\n',
);

describe('parseHeaderBlock', () => {
  test('fields with names, raw values with folding, and offsets into the bytes', () => {
    const block = parseHeaderBlock(HEADER);
    assert.deepEqual(
      block.fields.map((f) => [f.name, f.key, f.value]),
      [
        ['From', 'from', ' a@example.com'],
        ['Subject', 'subject', ' first line\r\n  folded\tline'],
        ['X-Empty', 'x-empty', ''],
        ['to', 'to', ' b@example.com'],
        ['Comments', 'comments', ' old style'],
      ],
    );
    const subject = block.fields[1]!;
    assert.equal(HEADER.subarray(subject.start, subject.end).toString(), 'Subject: first line\r\n  folded\tline\r\n');
    assert.equal(HEADER.subarray(subject.valueStart, subject.valueStart + 6).toString(), ' first');
    assert.equal(block.hasSeparator, true);
    assert.equal(HEADER.subarray(block.end).toString(), 'body\r\n');
    assert.equal(unfold(subject.value), 'first line  folded\tline');
  });

  test('bare LF, no separator, a range inside a larger buffer', () => {
    const lf = Buffer.from('A: 1\nB: 2\n\nbody');
    const block = parseHeaderBlock(lf);
    assert.equal(block.fields.length, 2);
    assert.equal(block.end, 11);
    const noBody = parseHeaderBlock(Buffer.from('A: 1\r\nB: 2'));
    assert.equal(noBody.hasSeparator, false);
    assert.equal(noBody.end, 10);
    assert.equal(noBody.fields[1]!.value, ' 2');
    const inner = Buffer.from('xxxxA: 1\r\n\r\nyyyy');
    const part = parseHeaderBlock(inner, 4, 12);
    assert.equal(part.fields[0]!.start, 4);
    assert.equal(part.end, 12);
  });

  test('garbage lines are skipped inside a header and end it before a body', () => {
    const garbage = parseHeaderBlock(Buffer.from('From x Mon\r\nA: 1\r\nnot a field\r\nB: 2\r\n\r\n'));
    assert.deepEqual(
      garbage.fields.map((f) => f.name),
      ['A', 'B'],
    );
    const glued = Buffer.from('A: 1\r\nHello there\r\nmore body\r\n');
    const block = parseHeaderBlock(glued);
    assert.equal(block.hasSeparator, false);
    assert.equal(glued.subarray(block.end).toString(), 'Hello there\r\nmore body\r\n');
  });

  test('a boundary line right after the header starts the body', () => {
    const glued = Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n');
    const block = parseHeaderBlock(glued);
    assert.deepEqual(
      block.fields.map((f) => f.key),
      ['content-type'],
    );
    assert.ok(glued.subarray(block.end).toString().startsWith('--b\r\n'));
  });

  test('raw 8-bit values: UTF-8 when valid, else one char per byte', () => {
    const block = parseHeaderBlock(Buffer.concat([Buffer.from('A: Grüße\r\nB: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]));
    assert.equal(block.fields[0]!.value, ' Grüße');
    assert.equal(block.fields[1]!.value, ' café');
  });
});

describe('selectHeaderFields', () => {
  test('HEADER.FIELDS keeps raw lines in order and ends with the blank line', () => {
    const out = selectHeaderFields(HEADER, ['SUBJECT', 'To', 'Missing'], false);
    assert.equal(Buffer.from(out).toString(), 'Subject: first line\r\n  folded\tline\r\nto: b@example.com\r\n\r\n');
  });

  test('HEADER.FIELDS.NOT keeps everything else', () => {
    const out = selectHeaderFields(HEADER, ['subject', 'to'], true);
    assert.equal(Buffer.from(out).toString(), 'From: a@example.com\r\nX-Empty:\r\nComments : old style\r\n\r\n');
  });

  test('no match gives just the blank line; a header cut at EOF still ends cleanly', () => {
    assert.equal(Buffer.from(selectHeaderFields(HEADER, ['x-none'], false)).toString(), '\r\n');
    assert.equal(Buffer.from(selectHeaderFields(Buffer.from('A: 1\r\nB: 2'), ['b'], false)).toString(), 'B: 2\r\n\r\n');
  });
});

describe('decodeHeaderValue', () => {
  test('unfolds and decodes, for confirming header searches', () => {
    const block = parseHeaderBlock(Buffer.from('Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n =?utf-8?Q?_aus_K=C3=B6ln?= !\r\n\r\n'));
    assert.equal(decodeHeaderValue(block.fields[0]!), 'Grüße aus Köln !');
  });
});
