// Expected BODYSTRUCTURE, BODY and ENVELOPE for corpus messages, written by
// hand from RFC 3501 7.4.2 (sizes counted from the fixture lines; the CRLF
// before a boundary belongs to the boundary, lines are line feeds).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeMessage, imapBodyStructure, imapEnvelope, type MessageStructure } from '../../../firmware/mime/index.ts';
import { fixture, fixtureNames } from './fixtures.ts';
import { wire } from './imap-wire.ts';

function parsed(name: string): MessageStructure {
  return analyzeMessage(fixture(name));
}

describe('corpus: BODYSTRUCTURE and ENVELOPE by hand', () => {
  test('simple text: a non-multipart body-type-text with charset, octets and lines', () => {
    const s = parsed('simple-text.eml');
    assert.equal(wire(imapBodyStructure(s, true)), '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 66 4 NIL NIL NIL NIL)');
    assert.equal(wire(imapBodyStructure(s, false)), '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 66 4)');
    assert.equal(
      wire(imapEnvelope(s)),
      '("Tue, 3 Mar 2026 09:15:00 +0100" "Quarterly numbers" (("Alice Example" NIL "alice" "example.com"))' +
        ' (("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com"))' +
        ' (("Bob" NIL "bob" "example.org") (NIL NIL "carol" "example.org")) (("Dave, the Boss" NIL "dave" "example.org"))' +
        ' NIL NIL "<q1-2026@example.com>")',
    );
    assert.equal(s.sentAt, Date.UTC(2026, 2, 3, 8, 15, 0));
  });

  test('mixed > alternative > related: nesting order, multipart extension data, Content-ID and dispositions', () => {
    const s = parsed('nested-mixed-alternative-related.eml');
    const plain = '("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 11 0 NIL NIL NIL NIL)';
    const html = '("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 50 0 NIL NIL NIL NIL)';
    const png = '("image" "png" NIL "<logo@shop>" NIL "BASE64" 12 NIL ("inline" NIL) NIL NIL)';
    const related = `(${html} ${png} "related" ("boundary" "rel" "type" "text/html") NIL NIL NIL)`;
    const alternative = `(${plain} ${related} "alternative" ("boundary" "alt") NIL NIL NIL)`;
    const pdf = '("application" "pdf" ("name" "terms.pdf") NIL NIL "BASE64" 12 NIL ("attachment" ("filename" "terms.pdf")) NIL NIL)';
    assert.equal(wire(imapBodyStructure(s, true)), `(${alternative} ${pdf} "mixed" ("boundary" "outer") NIL NIL NIL)`);
    // BODY: no extension data anywhere, multiparts end with their subtype.
    assert.equal(
      wire(imapBodyStructure(s, false)),
      '((("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 11 0) (("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 50 0)' +
        ' ("image" "png" NIL "<logo@shop>" NIL "BASE64" 12) "related") "alternative")' +
        ' ("application" "pdf" ("name" "terms.pdf") NIL NIL "BASE64" 12) "mixed")',
    );
  });

  test('forwarded message/rfc822: envelope, body and lines of the encapsulated message', () => {
    const s = parsed('forwarded-rfc822.eml');
    const innerEnvelope =
      '("Thu, 5 Mar 2026 11:00:00 -0500" "Lunch?" (("Eve" NIL "eve" "example.net")) (("Eve" NIL "eve" "example.net"))' +
      ' (("Eve" NIL "eve" "example.net")) ((NIL NIL "bob" "example.org")) NIL NIL NIL "<lunch@example.net>")';
    const innerBody =
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 14 0 NIL NIL NIL NIL)' +
      ' ("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 32 0 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)';
    assert.equal(
      wire(imapBodyStructure(s, true)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 10 0 NIL NIL NIL NIL)' +
        ` ("message" "rfc822" NIL NIL "Forwarded message" "7BIT" 378 ${innerEnvelope} ${innerBody} 17 NIL NIL NIL NIL)` +
        ' "mixed" ("boundary" "f1") NIL NIL NIL)',
    );
    assert.equal(
      wire(imapEnvelope(s)),
      '("Fri, 6 Mar 2026 12:00:00 -0500" "Fwd: Lunch?" (("Bob" NIL "bob" "example.org")) (("Bob" NIL "bob" "example.org"))' +
        ' (("Bob" NIL "bob" "example.org")) (("Alice" NIL "alice" "example.com")) NIL NIL "<lunch@example.net>" "<fwd1@example.org>")',
    );
  });

  test('groups, comments, routes and the Sender/Reply-To defaults of RFC 3501', () => {
    const s = parsed('group-addresses.eml');
    assert.equal(
      wire(imapEnvelope(s)),
      '("Sun, 15 Mar 26 23:59 EST" "Groups" (("Smith, John" NIL "john" "example.com")) (("Jane" NIL "secretary" "example.com"))' +
        // Reply-To is present but empty: it takes From's value.
        ' (("Smith, John" NIL "john" "example.com"))' +
        ' ((NIL NIL "undisclosed-recipients" NIL) (NIL NIL NIL NIL))' +
        ' ((NIL NIL "Team" NIL) (NIL NIL "ann" "example.com") ("Bo B." NIL "bo" "example.com") (NIL NIL NIL NIL) (NIL NIL "solo" "example.com"))' +
        ' ((NIL "@relay1.example,@relay2.example" "hidden" "example.com"))' +
        ' "<a@x> <b@y>" "<groups@example.com>")',
    );
    // Two-digit year and a named zone (obsolete syntax, RFC 5322 4.3).
    assert.equal(s.sentAt, Date.UTC(2026, 2, 16, 4, 59, 0));
  });

  test('multipart/digest: parts without Content-Type are message/rfc822', () => {
    const s = parsed('digest.eml');
    const first =
      '("message" "rfc822" NIL NIL NIL "7BIT" 57 (NIL "first post" ((NIL NIL "one" "example.org")) ((NIL NIL "one" "example.org"))' +
      ' ((NIL NIL "one" "example.org")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 0) 3)';
    const second =
      '("message" "rfc822" NIL NIL NIL "7BIT" 54 (NIL "second post" ((NIL NIL "two" "example.org")) ((NIL NIL "two" "example.org"))' +
      ' ((NIL NIL "two" "example.org")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 7 0) 3)';
    assert.equal(wire(imapBodyStructure(s, false)), `(${first} ${second} "digest")`);
  });

  test('RFC 2231 filenames in utf-8, iso-8859-1 and koi8-r continuations, and an encoded-word name', () => {
    const s = parsed('attachment-rfc2231.eml');
    const parts = s.root.parts!;
    assert.equal(parts.length, 5);
    assert.deepEqual(parts[1]!.params, [['name', 'Übersicht.pdf']]);
    assert.deepEqual(parts[1]!.disposition, { type: 'attachment', params: [['filename', 'Übersicht.pdf']] });
    assert.deepEqual(parts[1]!.language, ['de']);
    assert.deepEqual(parts[2]!.disposition?.params, [['filename', 'résumé.csv']]);
    assert.deepEqual(parts[3]!.disposition?.params, [['filename', 'Отчёт_2026.bin']]);
    assert.deepEqual(parts[4]!.params, [['name', 'Фото.jpg']]);
    // On the wire, non-ASCII values travel as UTF-8 encoded words so the response stays 7-bit.
    assert.equal(
      wire(imapBodyStructure(s, true)[1]!),
      '("application" "pdf" ("name" "=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=") NIL NIL "BASE64" 8 NIL ("attachment" ("filename" "=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=")) ("de") NIL)',
    );
    // A text part without charset gets RFC 2045's default.
    assert.deepEqual(parts[2]!.params, [['charset', 'us-ascii']]);
  });

  test('broken multiparts: no boundary, a boundary never used, no close delimiter', () => {
    assert.equal(
      wire(imapBodyStructure(parsed('missing-boundary.eml'), false)),
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 77 5)',
    );
    // The declared boundary never appears: the whole body is one part, so the client still sees the text.
    assert.equal(
      wire(imapBodyStructure(parsed('wrong-boundary.eml'), false)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 65 5) "alternative")',
    );
    assert.equal(
      wire(imapBodyStructure(parsed('unterminated-multipart.eml'), false)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 5 0) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 22 1) "mixed")',
    );
  });

  test('empty body, header-only and header glued to the body', () => {
    const empty = parsed('empty-body.eml');
    assert.equal(wire(imapBodyStructure(empty, false)), '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 0 0)');
    assert.equal(empty.root.bodyStart, fixture('empty-body.eml').length);
    const headerOnly = parsed('header-only.eml');
    assert.equal(headerOnly.envelope.messageId, '<hdr@example.com>');
    assert.equal(headerOnly.root.size, 0);
    const glued = parsed('no-blank-line.eml');
    assert.equal(glued.envelope.subject, 'body glued to header');
    const body = fixture('no-blank-line.eml');
    assert.equal(body.subarray(glued.root.bodyStart, glued.root.bodyStart + 9).toString(), 'Dear Bob,');
  });

  test('malformed headers: garbage lines, obsolete blanks, broken quotes, Content-Type without semicolons', () => {
    const s = parsed('malformed-headers.eml');
    assert.equal(s.envelope.subject, 'obsolete space before colon');
    assert.deepEqual(s.envelope.from, [{ name: 'Broken Quote', adl: null, mailbox: 'bq', host: 'example.com' }]);
    assert.deepEqual(
      s.envelope.to?.map((a) => `${a.mailbox}@${a.host}`),
      ['a@example.com', 'b@example.com', 'broken@MISSING_DOMAIN'],
    );
    assert.equal(s.root.type, 'text');
    assert.equal(s.root.subtype, 'html');
    assert.equal(s.root.encoding, 'BASE64');
    assert.equal(s.sentAt, undefined);
  });

  test('bare LF line ends: offsets are positions in the actual bytes', () => {
    const body = fixture('bare-lf.eml');
    const s = analyzeMessage(body);
    const [a, b] = s.root.parts!;
    assert.equal(body.subarray(a!.bodyStart, a!.bodyEnd).toString(), 'line one\nline two');
    assert.equal(a!.lines, 1);
    assert.equal(
      body.subarray(b!.headerStart, b!.headerEnd).toString(),
      'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n',
    );
  });

  test('every extension field: md5, disposition with params, language list, location, on parts and multiparts', () => {
    const s = parsed('extension-fields.eml');
    assert.equal(
      wire(imapBodyStructure(s, true)),
      '(("text" "plain" ("charset" "UTF-8" "format" "flowed") "<part1@example.com>" "The main text" "8BIT" 5 0' +
        ' "Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("filename" "body.txt" "size" "5")) ("en") "body.txt")' +
        ' ("application" "octet-stream" NIL NIL NIL "BASE64" 4 NIL NIL NIL NIL)' +
        ' "mixed" ("boundary" "=_x" "charset" "utf-8") ("inline" NIL) ("en-GB" "fr") "http://example.com/whole")',
    );
  });

  test('a boundary that is a prefix of the inner one, and an encoded message/rfc822', () => {
    const s = parsed('boundary-prefix.eml');
    assert.equal(
      wire(imapBodyStructure(s, false)),
      '((("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 5 0) ("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 11 0) "alternative")' +
        // message/rfc822 in base64 cannot be parsed in place; IMAP reserves "message" "rfc822" for parts with an envelope.
        ' ("application" "octet-stream" NIL NIL NIL "BASE64" 48) "mixed")',
    );
  });

  test('a forward of a forward: message/rfc822 inside a multipart inside message/rfc822', () => {
    const s = parsed('nested-forward.eml');
    const inner =
      '("message" "rfc822" NIL NIL NIL "7BIT" 57 (NIL "report" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com"))' +
      ' ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 17 0) 3)';
    const middle =
      '("message" "rfc822" NIL NIL NIL "7BIT" 213 (NIL "Fwd: report" ((NIL NIL "b" "example.com")) ((NIL NIL "b" "example.com"))' +
      ` ((NIL NIL "b" "example.com")) NIL NIL NIL NIL NIL) (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 0) ${inner} "mixed") 14)`;
    assert.equal(wire(imapBodyStructure(s, false)), `(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 10 0) ${middle} "mixed")`);
  });

  test('a multipart whose first delimiter follows its header without a blank line', () => {
    const body = Buffer.from(
      'Content-Type: multipart/alternative; boundary=g\r\n--g\r\nContent-Type: text/plain\r\n\r\none\r\n--g\r\nContent-Type: text/html\r\n\r\ntwo\r\n--g--\r\n',
    );
    assert.equal(
      wire(imapBodyStructure(analyzeMessage(body), false)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 3 0) ("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 3 0) "alternative")',
    );
  });

  test('a delivery status notification: multipart/report with message/delivery-status and text/rfc822-headers', () => {
    const s = parsed('dsn-report.eml');
    assert.equal(
      wire(imapBodyStructure(s, true)),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 36 0 NIL NIL NIL NIL)' +
        // message/delivery-status is a basic type: no envelope, no lines.
        ' ("message" "delivery-status" NIL NIL NIL "7BIT" 111 NIL NIL NIL NIL)' +
        ' ("text" "rfc822-headers" ("charset" "us-ascii") NIL NIL "7BIT" 64 2 NIL NIL NIL NIL)' +
        ' "report" ("report-type" "delivery-status" "boundary" "dsn") NIL NIL NIL)',
    );
  });

  test('S/MIME signed alternative with a calendar part: parameters in header order', () => {
    const s = parsed('signed-calendar.eml');
    assert.equal(
      wire(imapBodyStructure(s, true)),
      '((("text" "plain" ("charset" "utf-8" "format" "flowed" "delsp" "yes") NIL NIL "7BIT" 44 1 NIL NIL NIL NIL)' +
        ' ("text" "calendar" ("charset" "utf-8" "method" "REQUEST") NIL NIL "7BIT" 46 2 NIL NIL NIL NIL)' +
        ' "alternative" ("boundary" "cal") NIL NIL NIL)' +
        ' ("application" "pkcs7-signature" ("name" "smime.p7s") NIL NIL "BASE64" 28 NIL ("attachment" ("filename" "smime.p7s")) NIL NIL)' +
        ' "signed" ("protocol" "application/pkcs7-signature" "micalg" "sha-256" "boundary" "sig") NIL NIL NIL)',
    );
  });

  test('every corpus file gives JSON that survives a round trip unchanged', () => {
    for (const name of fixtureNames()) {
      const s = parsed(name);
      assert.deepEqual(JSON.parse(JSON.stringify(s)), s, name);
    }
  });
});

describe('IMAP values are safe to serialise', () => {
  test('NUL goes and CR/LF from decoded parameters become spaces', () => {
    const body = Buffer.from(
      "Subject: a\0b\r\nContent-Type: text/plain; name*=utf-8''line%0D%0Abreak%00.txt\r\nContent-Description: x\0y\r\n\r\nbody",
    );
    const s = analyzeMessage(body);
    assert.equal(wire(imapBodyStructure(s, false)), '("text" "plain" ("name" "line break.txt" "charset" "us-ascii") NIL "xy" "7BIT" 4 0)');
    assert.equal(imapEnvelope(s)[1], 'ab');
  });
});
