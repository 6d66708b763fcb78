// RFC 3501 6.4.5 section numbers to byte ranges, checked by reading the bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeMessage, type ByteRange, findPart } from '../../../firmware/mime/index.ts';
import { fixture } from './fixtures.ts';

function text(body: Buffer, range: ByteRange | undefined): string | undefined {
  return range === undefined ? undefined : body.subarray(range.start, range.end).toString('utf8');
}

describe('findPart', () => {
  test('empty path: the whole message, its header and its text', () => {
    const body = fixture('simple-text.eml');
    const s = analyzeMessage(body);
    const top = findPart(s, [])!;
    assert.equal(text(body, top.body), body.toString());
    assert.ok(text(body, top.header)!.startsWith('Return-Path: <alice@example.com>\r\n'));
    assert.ok(text(body, top.header)!.endsWith('charset=us-ascii\r\n\r\n'));
    assert.equal(text(body, top.text), 'Hi Bob,\r\n\r\nthe quarterly numbers are attached in my head.\r\nAlice\r\n');
  });

  test('a non-multipart message has only part 1, which is its body', () => {
    const body = fixture('simple-text.eml');
    const s = analyzeMessage(body);
    const one = findPart(s, [1])!;
    assert.equal(text(body, one.body), text(body, findPart(s, [])!.text));
    assert.equal(one.part.type, 'text');
    assert.equal(one.header, undefined); // HEADER needs a message/rfc822 part
    assert.equal(findPart(s, [2]), undefined);
    assert.equal(findPart(s, [1, 1]), undefined);
    assert.equal(findPart(s, [0]), undefined);
  });

  test('nested multiparts: BODY[1.1], BODY[1.2.2], BODY[2] and their MIME headers', () => {
    const body = fixture('nested-mixed-alternative-related.eml');
    const s = analyzeMessage(body);
    assert.equal(findPart(s, [1])!.part.subtype, 'alternative');
    assert.equal(text(body, findPart(s, [1, 1])!.body), 'Sale now on');
    assert.equal(text(body, findPart(s, [1, 1])!.mime), 'Content-Type: text/plain; charset=utf-8\r\n\r\n');
    assert.equal(findPart(s, [1, 2])!.part.subtype, 'related');
    assert.equal(text(body, findPart(s, [1, 2, 1])!.body), '<p>Sale <b>now</b> on</p><img src="cid:logo@shop">');
    assert.equal(text(body, findPart(s, [1, 2, 2])!.body), 'iVBORw0KGgo=');
    assert.equal(
      text(body, findPart(s, [1, 2, 2])!.mime),
      'Content-Type: image/png\r\nContent-ID: <logo@shop>\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: inline\r\n\r\n',
    );
    assert.equal(text(body, findPart(s, [2])!.body), 'JVBERi0xLjQK');
    // A multipart's body runs from after its header to before the parent's next delimiter.
    const alt = text(body, findPart(s, [1])!.body)!;
    assert.ok(alt.startsWith('--alt\r\n') && alt.endsWith('--alt--'));
    assert.equal(findPart(s, [3]), undefined);
    assert.equal(findPart(s, [1, 1, 1]), undefined);
  });

  test('message/rfc822: BODY[2] is the message, 2.HEADER / 2.TEXT its parts, 2.1 the first part of its body', () => {
    const body = fixture('forwarded-rfc822.eml');
    const s = analyzeMessage(body);
    const fwd = findPart(s, [2])!;
    assert.equal(fwd.part.type, 'message');
    assert.ok(text(body, fwd.body)!.startsWith('From: Eve <eve@example.net>\r\n'));
    assert.equal(text(body, fwd.mime), 'Content-Type: message/rfc822\r\nContent-Description: Forwarded message\r\n\r\n');
    assert.ok(text(body, fwd.header)!.endsWith('boundary="inner"\r\n\r\n'));
    assert.ok(text(body, fwd.text)!.startsWith('--inner\r\n'));
    assert.equal(text(body, findPart(s, [2, 1])!.body), 'Pizza at noon?');
    assert.equal(text(body, findPart(s, [2, 2])!.body), '<div>Pizza at <i>noon</i>?</div>');
    assert.equal(findPart(s, [2, 3]), undefined);
  });

  test('an encapsulated non-multipart message has part N.1 = its body', () => {
    const body = fixture('digest.eml');
    const s = analyzeMessage(body);
    assert.equal(text(body, findPart(s, [1, 1])!.body), 'Hello list.');
    assert.equal(text(body, findPart(s, [2, 1])!.body), 'Hi one.');
    assert.equal(text(body, findPart(s, [2])!.header), 'From: two@example.org\r\nSubject: second post\r\n\r\n');
    assert.equal(findPart(s, [1, 2]), undefined);
  });

  test('two levels of message/rfc822: BODY[2.2.1], BODY[2.2.HEADER], BODY[2.HEADER]', () => {
    const body = fixture('nested-forward.eml');
    const s = analyzeMessage(body);
    assert.equal(text(body, findPart(s, [1])!.body), 'outer note');
    assert.equal(text(body, findPart(s, [2, 1])!.body), 'middle note');
    assert.equal(text(body, findPart(s, [2, 2, 1])!.body), 'the report itself');
    assert.equal(text(body, findPart(s, [2, 2])!.header), 'From: a@example.com\r\nSubject: report\r\n\r\n');
    assert.ok(text(body, findPart(s, [2])!.header)!.startsWith('From: b@example.com\r\nSubject: Fwd: report\r\n'));
    assert.equal(text(body, findPart(s, [2, 2])!.text), 'the report itself');
    assert.equal(findPart(s, [2, 2, 2]), undefined);
    assert.equal(findPart(s, [2, 1])!.header, undefined);
  });
});
