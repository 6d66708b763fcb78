// FETCH and UID FETCH over a real socket with the real store and the MIME
// room's analyzer: metadata items, macros, sections, partials, PEEK vs \Seen,
// and BODYSTRUCTURE/ENVELOPE of corpus messages appended through APPEND.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toCrlf } from '../../firmware/mime/index.ts';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append, message, tagged } from './support.ts';

const CORPUS = path.join(import.meta.dirname, '..', 'fixtures', 'mime');
const corpus = (name: string) => readFileSync(path.join(CORPUS, name));

const MULTIPART = [
  'From: Carol <carol@example.net>',
  'To: alice@example.com',
  'Subject: Parts',
  'Date: Wed, 4 Mar 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  'preamble',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'first part',
  '--b1',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQ=',
  '--b1--',
  '',
].join('\r\n');

describe('imap FETCH', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  let plain: string;
  before(async () => {
    f = await startFixture();
    c = await f.login();
    plain = message({ subject: 'Hello', body: 'Just a line.' });
    await append(c, 'INBOX', plain, '(\\Flagged $Work) "03-Mar-2026 09:15:00 +0100"');
    await append(c, 'INBOX', MULTIPART);
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('answers metadata items and the ALL/FAST/FULL macros', async () => {
    assert.deepEqual(await c.command('FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)', 'f1'), [
      `* 1 FETCH (UID 1 FLAGS (\\Flagged $Work) INTERNALDATE "03-Mar-2026 08:15:00 +0000" RFC822.SIZE ${plain.length})`,
      'f1 OK FETCH completed',
    ]);
    const fast = await c.command('FETCH 1:* FAST', 'f2');
    assert.equal(fast.length, 3);
    assert.match(fast[1]!, /^\* 2 FETCH \(FLAGS \(\) INTERNALDATE "[^"]+" RFC822.SIZE \d+\)$/);
    const all = await c.command('FETCH 1 ALL', 'f3');
    assert.match(all[0]!, /ENVELOPE \("Tue, 3 Mar 2026 09:15:00 \+0100" "Hello" \(\("Alice" NIL "alice" "example.com"\)\)/);
    const full = await c.command('FETCH 2 FULL', 'f4');
    assert.match(
      full[0]!,
      / BODY \(\("text" "plain" \("charset" "utf-8"\) NIL NIL "7BIT" 10 0\) \("application" "octet-stream" NIL NIL NIL "BASE64" 8\) "mixed"\)\)$/,
    );
  });

  it('UID FETCH always carries the UID; ranges beyond the mailbox are ignored by UID and refused by number', async () => {
    assert.deepEqual(await c.command('UID FETCH 2:99 FLAGS', 'u1'), ['* 2 FETCH (UID 2 FLAGS ())', 'u1 OK UID FETCH completed']);
    assert.deepEqual(await c.command('UID FETCH 50:60 FLAGS', 'u2'), ['u2 OK UID FETCH completed']);
    assert.deepEqual(await c.command('FETCH 3 FLAGS', 'u3'), ['u3 BAD Invalid message sequence number']);
    assert.deepEqual(await c.command('FETCH 1 (FLAGS BODY[HEADER', 'u4'), ['u4 BAD Unclosed section']);
  });

  it('reads header fields, text, parts, MIME headers and partials', async () => {
    assert.deepEqual(await c.command('FETCH 1 (BODY.PEEK[HEADER.FIELDS (subject FROM)])', 'h1'), [
      '* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {51}\r\nFrom: Alice <alice@example.com>\r\nSubject: Hello\r\n\r\n)',
      'h1 OK FETCH completed',
    ]);
    const not = await c.command('FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (From To Subject Message-ID)])', 'h2');
    assert.equal(
      not[0],
      '* 1 FETCH (BODY[HEADER.FIELDS.NOT (FROM TO SUBJECT MESSAGE-ID)] {40}\r\nDate: Tue, 3 Mar 2026 09:15:00 +0100\r\n\r\n)',
    );
    assert.deepEqual(await c.command('FETCH 1 BODY.PEEK[TEXT]', 'h3'), [
      '* 1 FETCH (BODY[TEXT] {14}\r\nJust a line.\r\n)',
      'h3 OK FETCH completed',
    ]);
    assert.deepEqual(await c.command('FETCH 2 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[2.MIME])', 'h4'), [
      '* 2 FETCH (BODY[1] {10}\r\nfirst part BODY[2] {8}\r\nAAECAwQ= BODY[2.MIME] {77}\r\n' +
        'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n)',
      'h4 OK FETCH completed',
    ]);
    assert.deepEqual(await c.command('FETCH 2 (BODY.PEEK[]<0.5> BODY.PEEK[1]<6.100> BODY.PEEK[1]<50.5> BODY.PEEK[9])', 'h5'), [
      '* 2 FETCH (BODY[]<0> {5}\r\nFrom: BODY[1]<6> {4}\r\npart BODY[1]<50> {0}\r\n BODY[9] {0}\r\n)',
      'h5 OK FETCH completed',
    ]);
    const header = await c.command('FETCH 1 RFC822.HEADER', 'h6');
    assert.ok(header[0]!.startsWith('* 1 FETCH (RFC822.HEADER {'));
    assert.match(header[0]!, /Message-ID: <m\d+@example.com>\r\n\r\n\)$/);
  });

  it('BODY.PEEK leaves \\Seen alone; BODY[] and RFC822.TEXT set it and report FLAGS', async () => {
    await c.command('FETCH 1 BODY.PEEK[]', 'p1');
    assert.deepEqual(await c.command('FETCH 1 FLAGS', 'p2'), ['* 1 FETCH (FLAGS (\\Flagged $Work))', 'p2 OK FETCH completed']);
    const r = await c.command('FETCH 1 BODY[TEXT]', 'p3');
    assert.deepEqual(r, ['* 1 FETCH (BODY[TEXT] {14}\r\nJust a line.\r\n FLAGS (\\Flagged $Work \\Seen))', 'p3 OK FETCH completed']);
    // Already seen: no FLAGS added the second time.
    assert.deepEqual(await c.command('FETCH 1 BODY[TEXT]<0.4>', 'p4'), ['* 1 FETCH (BODY[TEXT]<0> {4}\r\nJust)', 'p4 OK FETCH completed']);
    assert.deepEqual(await c.command('UID FETCH 2 RFC822.TEXT', 'p5').then((l) => l.length), 2);
    assert.deepEqual(await c.command('FETCH 2 FLAGS', 'p6'), ['* 2 FETCH (FLAGS (\\Seen))', 'p6 OK FETCH completed']);
    // EXAMINE is read-only: reading never sets \Seen there.
    await c.command('STORE 1:2 -FLAGS (\\Seen)', 'p7');
    await c.command('EXAMINE INBOX', 'p8');
    await c.command('FETCH 1 BODY[]', 'p9');
    assert.deepEqual(await c.command('FETCH 1:2 FLAGS', 'p10'), [
      '* 1 FETCH (FLAGS (\\Flagged $Work))',
      '* 2 FETCH (FLAGS ())',
      'p10 OK FETCH completed',
    ]);
    await c.command('SELECT INBOX', 'p11');
  });

  it('APPEND with a synchronizing literal sent in uneven pieces stores the bytes exactly', async () => {
    const body = Buffer.from(message({ subject: 'Pieces', body: 'ÄÖÜ 8-bit text and a {5} brace\r\n.' }), 'utf8');
    c.write(`pc APPEND INBOX (\\Draft) {${body.length}}\r\n`);
    assert.equal(await c.response(), '+ Ready for literal');
    for (let i = 0; i < body.length; i += 7) c.write(body.subarray(i, i + 7));
    c.write('\r\n');
    const r = await c.until('pc');
    const uid = Number(/APPENDUID \d+ (\d+)/.exec(r.at(-1)!)![1]);
    const fetched = await c.command(`UID FETCH ${uid} (FLAGS BODY.PEEK[])`, 'pf');
    const line = fetched.find((l) => l.includes(`UID ${uid}`))!;
    assert.ok(line.endsWith(`FLAGS (\\Draft) BODY[] {${body.length}}\r\n${body.toString('latin1')})`), line);
  });

  it('BINARY: transfer encoding undone, literal8 only for NUL, sizes, and UNKNOWN-CTE', async () => {
    assert.deepEqual(await c.command('FETCH 2 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1] BINARY.PEEK[2]<1.2>)', 'x1'), [
      '* 2 FETCH (BINARY[2] ~{5}\r\n\x00\x01\x02\x03\x04 BINARY.SIZE[2] 5 BINARY[1] {10}\r\nfirst part BINARY[2]<1> {2}\r\n\x01\x02)',
      'x1 OK FETCH completed',
    ]);
    const odd = MULTIPART.replace('Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: x-uuencode');
    const uid = await append(c, 'INBOX', odd);
    assert.deepEqual(await c.command(`UID FETCH ${uid} BINARY.PEEK[2]`, 'x2'), ['x2 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding']);
    assert.deepEqual(await c.command(`UID FETCH ${uid} BINARY.SIZE[1]`, 'x3'), [
      `* 4 FETCH (UID ${uid} BINARY.SIZE[1] 10)`,
      'x3 OK UID FETCH completed',
    ]);
    await c.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`, 'x4');
    await c.command('EXPUNGE', 'x5');
  });

  it('streams a large body from the blob, byte for byte', async () => {
    const big = message({ subject: 'Big', body: 'x'.repeat(600 * 1024) });
    const uid = await append(c, 'INBOX', big);
    const r = await c.command(`UID FETCH ${uid} BODY.PEEK[]`, 'b1');
    // The APPEND in this session already told EXISTS before its OK.
    assert.equal(r.length, 2);
    const fetchLine = r.find((l) => l.includes('FETCH'))!;
    assert.ok(fetchLine === `* 4 FETCH (UID ${uid} BODY[] {${big.length}}\r\n${big})`, 'whole message');
    const part = await c.command(`UID FETCH ${uid} BODY.PEEK[TEXT]<300000.400000>`, 'b2');
    // The text is 614,400 x and CRLF: from 300,000 on, 314,402 bytes remain of the 400,000 asked for.
    assert.ok(part[0] === `* 4 FETCH (UID ${uid} BODY[TEXT]<300000> {314402}\r\n${'x'.repeat(314400)}\r\n)`, 'partial');
  });
});

describe('imap FETCH of the MIME corpus: BODYSTRUCTURE and ENVELOPE as the MIME room wrote them by hand', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  before(async () => {
    f = await startFixture();
    c = await f.login();
    for (const name of ['simple-text.eml', 'nested-mixed-alternative-related.eml', 'forwarded-rfc822.eml', 'digest.eml']) {
      await append(c, 'INBOX', corpus(name));
    }
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('simple text', async () => {
    const r = await c.command('FETCH 1 (BODYSTRUCTURE BODY ENVELOPE)', 's1');
    assert.equal(
      r[0],
      '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 66 4 NIL NIL NIL NIL)' +
        ' BODY ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 66 4)' +
        ' ENVELOPE ("Tue, 3 Mar 2026 09:15:00 +0100" "Quarterly numbers" (("Alice Example" NIL "alice" "example.com"))' +
        ' (("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com"))' +
        ' (("Bob" NIL "bob" "example.org") (NIL NIL "carol" "example.org")) (("Dave, the Boss" NIL "dave" "example.org"))' +
        ' NIL NIL "<q1-2026@example.com>"))',
    );
  });

  it('mixed > alternative > related', async () => {
    const plain = '("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 11 0 NIL NIL NIL NIL)';
    const html = '("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 50 0 NIL NIL NIL NIL)';
    const png = '("image" "png" NIL "<logo@shop>" NIL "BASE64" 12 NIL ("inline" NIL) NIL NIL)';
    const related = `(${html} ${png} "related" ("boundary" "rel" "type" "text/html") NIL NIL NIL)`;
    const alternative = `(${plain} ${related} "alternative" ("boundary" "alt") NIL NIL NIL)`;
    const pdf = '("application" "pdf" ("name" "terms.pdf") NIL NIL "BASE64" 12 NIL ("attachment" ("filename" "terms.pdf")) NIL NIL)';
    assert.deepEqual(await c.command('FETCH 2 BODYSTRUCTURE', 's2'), [
      `* 2 FETCH (BODYSTRUCTURE (${alternative} ${pdf} "mixed" ("boundary" "outer") NIL NIL NIL))`,
      's2 OK FETCH completed',
    ]);
  });

  it('forwarded message/rfc822, and sections inside the encapsulated message', async () => {
    const innerEnvelope =
      '("Thu, 5 Mar 2026 11:00:00 -0500" "Lunch?" (("Eve" NIL "eve" "example.net")) (("Eve" NIL "eve" "example.net"))' +
      ' (("Eve" NIL "eve" "example.net")) ((NIL NIL "bob" "example.org")) NIL NIL NIL "<lunch@example.net>")';
    const innerBody =
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 14 0 NIL NIL NIL NIL)' +
      ' ("text" "html" ("charset" "utf-8") NIL NIL "7BIT" 32 0 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)';
    const r = await c.command('FETCH 3 (BODYSTRUCTURE ENVELOPE)', 's3');
    assert.equal(
      r[0],
      '* 3 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 10 0 NIL NIL NIL NIL)' +
        ` ("message" "rfc822" NIL NIL "Forwarded message" "7BIT" 378 ${innerEnvelope} ${innerBody} 17 NIL NIL NIL NIL)` +
        ' "mixed" ("boundary" "f1") NIL NIL NIL)' +
        ' ENVELOPE ("Fri, 6 Mar 2026 12:00:00 -0500" "Fwd: Lunch?" (("Bob" NIL "bob" "example.org")) (("Bob" NIL "bob" "example.org"))' +
        ' (("Bob" NIL "bob" "example.org")) (("Alice" NIL "alice" "example.com")) NIL NIL "<lunch@example.net>" "<fwd1@example.org>"))',
    );
    const subject = await c.command('FETCH 3 (BODY.PEEK[2.HEADER.FIELDS (Subject)] BODY.PEEK[2.1] BODY.PEEK[2.2.MIME])', 's4');
    assert.match(
      subject[0]!,
      /^\* 3 FETCH \(BODY\[2\.HEADER\.FIELDS \(SUBJECT\)\] \{19\}\r\nSubject: Lunch\?\r\n\r\n BODY\[2\.1\] \{14\}\r\nPizza at noon\? /,
    );
    assert.match(subject[0]!, /BODY\[2\.2\.MIME\] \{\d+\}\r\nContent-Type: text\/html/);
  });

  it('multipart/digest as BODY', async () => {
    const first =
      '("message" "rfc822" NIL NIL NIL "7BIT" 57 (NIL "first post" ((NIL NIL "one" "example.org")) ((NIL NIL "one" "example.org"))' +
      ' ((NIL NIL "one" "example.org")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 0) 3)';
    const second =
      '("message" "rfc822" NIL NIL NIL "7BIT" 54 (NIL "second post" ((NIL NIL "two" "example.org")) ((NIL NIL "two" "example.org"))' +
      ' ((NIL NIL "two" "example.org")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 7 0) 3)';
    assert.deepEqual(await c.command('FETCH 4 BODY', 's5'), [`* 4 FETCH (BODY (${first} ${second} "digest"))`, 's5 OK FETCH completed']);
  });

  it('every corpus file FETCHes byte for byte (line ends as CRLF) and with a BODYSTRUCTURE', async () => {
    const names = readdirSync(CORPUS).filter((n) => n.endsWith('.eml'));
    for (const name of names) {
      // APPEND stores line ends as CRLF (bare-lf.eml has none); everything else comes back as sent
      const bytes = Buffer.from(toCrlf(corpus(name)));
      const uid = await append(c, 'INBOX', bytes);
      const r = await c.command(`UID FETCH ${uid} (BODYSTRUCTURE BODY.PEEK[])`, `all-${uid}`);
      const line = r.find((l) => l.includes(`UID ${uid} `))!;
      assert.ok(line.includes(' BODYSTRUCTURE ('), name);
      assert.ok(line.endsWith(`BODY[] {${bytes.length}}\r\n${bytes.toString('latin1')})`), name);
      assert.match(tagged(r), /OK/);
    }
  });
});
