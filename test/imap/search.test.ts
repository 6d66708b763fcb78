// SEARCH and UID SEARCH over a real socket: every RFC 3501 key, and body/text
// search in base64, quoted-printable and windows-1251 bodies (decoded by the
// MIME room), case-insensitive substring semantics, literals in pieces.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append, message } from './support.ts';

const corpus = (name: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'mime', name));

const UTF8_BASE64 = [
  'From: Carol <carol@example.org>',
  'To: alice@example.com',
  'Cc: Carol <carol@example.org>',
  'Bcc: dave@example.net',
  'Subject: Meeting',
  'Date: Tue, 10 Mar 2026 01:00:00 +0300',
  'X-Project: Apollo',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Встреча в пятницу в 10:00, переговорная 3.\r\n', 'utf8').toString('base64'),
  '',
].join('\r\n');

describe('imap SEARCH', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  const search = async (criteria: string) => (await c.command(`SEARCH ${criteria}`))[0];
  before(async () => {
    f = await startFixture();
    c = await f.login();
    await append(c, 'INBOX', corpus('cp1251-8bit.eml'), '"09-Mar-2026 10:00:00 +0000"');
    await append(c, 'INBOX', corpus('koi8r-qp.eml'), '"09-Mar-2026 23:30:00 +0000"');
    await append(c, 'INBOX', corpus('latin2-base64.eml'), '"10-Mar-2026 12:00:00 +0000"');
    await append(c, 'INBOX', UTF8_BASE64, '(\\Flagged) "11-Mar-2026 12:00:00 +0000"');
    const long = message({
      subject: 'Quarterly report',
      date: 'Wed, 11 Mar 2026 09:00:00 +0000',
      body: `The numbers look GOOD.\r\n${'filler line\r\n'.repeat(400)}See you`,
    });
    await append(c, 'INBOX', long, '(\\Seen $Work) "12-Mar-2026 12:00:00 +0000"');
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('finds words in windows-1251, koi8-r quoted-printable, latin2 base64 and utf-8 base64 bodies', async () => {
    assert.equal(await search('BODY "счёт во вложении"'), '* SEARCH 1');
    assert.equal(await search('CHARSET UTF-8 BODY "БУЛОК"'), '* SEARCH 2');
    assert.equal(await search('BODY "žluťoučký kůň"'), '* SEARCH 3');
    assert.equal(await search('BODY "в пятницу"'), '* SEARCH 4');
    assert.equal(await search('TEXT "пятницу в 10:00"'), '* SEARCH 4');
    // A quoted-printable soft line break joins "фра=" and "нцузских".
    assert.equal(await search('BODY французских'), '* SEARCH 2');
  });

  it('BODY is the body only, TEXT the whole message; header keys decode encoded words', async () => {
    assert.equal(await search('BODY привет'), '* SEARCH');
    assert.equal(await search('TEXT привет'), '* SEARCH 1');
    assert.equal(await search('SUBJECT привет'), '* SEARCH 1');
    assert.equal(await search('FROM иван'), '* SEARCH 1');
    assert.equal(await search('FROM ivan@EXAMPLE.ru'), '* SEARCH 1');
    assert.equal(await search('OR FROM jan FROM petr'), '* SEARCH 2 3');
    assert.equal(await search('TO olga'), '* SEARCH 1');
    assert.equal(await search('CC carol BCC dave'), '* SEARCH 4');
    assert.equal(await search('HEADER X-Project apollo'), '* SEARCH 4');
    assert.equal(await search('HEADER X-Project ""'), '* SEARCH 4');
    assert.equal(await search('HEADER X-Missing ""'), '* SEARCH');
  });

  it('substring matching is case-insensitive and exact, whitespace folded', async () => {
    assert.equal(await search('BODY good.'), '* SEARCH 5');
    assert.equal(await search('BODY "LOOK   good"'), '* SEARCH 5');
    assert.equal(await search('BODY goodbye'), '* SEARCH');
    assert.equal(await search('SUBJECT "quarterly REP"'), '* SEARCH 5');
    assert.equal(await search('BODY ""'), '* SEARCH 1 2 3 4 5');
  });

  it('flags, keywords, sizes, sets and boolean structure', async () => {
    assert.equal(await search('FLAGGED'), '* SEARCH 4');
    assert.equal(await search('UNSEEN'), '* SEARCH 1 2 3 4');
    assert.equal(await search('SEEN KEYWORD $work'), '* SEARCH 5');
    assert.equal(await search('UNKEYWORD $Work'), '* SEARCH 1 2 3 4');
    assert.equal(await search('ANSWERED'), '* SEARCH');
    assert.equal(await search('UNANSWERED UNDELETED UNDRAFT'), '* SEARCH 1 2 3 4 5');
    assert.equal(await search('NEW'), '* SEARCH');
    assert.equal(await search('RECENT'), '* SEARCH');
    assert.equal(await search('OLD'), '* SEARCH 1 2 3 4 5');
    assert.equal(await search('LARGER 3000'), '* SEARCH 5');
    assert.equal(await search('SMALLER 3000 NOT FLAGGED'), '* SEARCH 1 2 3');
    assert.equal(await search('2:4 NOT 3'), '* SEARCH 2 4');
    assert.equal(await search('*'), '* SEARCH 5');
    assert.equal(await search('(OR 1 5) (OR SEEN FLAGGED)'), '* SEARCH 5');
    assert.equal(await search('ALL'), '* SEARCH 1 2 3 4 5');
    assert.deepEqual(await c.command('UID SEARCH UID 3:* UNSEEN', 'u1'), ['* SEARCH 3 4', 'u1 OK UID SEARCH completed']);
  });

  it('dates: internal date by calendar day, the Date header as written (its own time zone)', async () => {
    assert.equal(await search('ON 9-Mar-2026'), '* SEARCH 1 2');
    assert.equal(await search('BEFORE 10-Mar-2026'), '* SEARCH 1 2');
    assert.equal(await search('SINCE 11-Mar-2026'), '* SEARCH 4 5');
    // Message 4 was sent at 01:00 +0300 on the 10th, the 9th in UTC: RFC 3501 disregards the zone.
    assert.equal(await search('SENTON 10-Mar-2026'), '* SEARCH 3 4');
    assert.equal(await search('SENTBEFORE 10-Mar-2026'), '* SEARCH 1 2');
    assert.equal(await search('SENTSINCE 11-Mar-2026'), '* SEARCH 5');
  });

  it('charsets other than UTF-8 and US-ASCII are refused; bad syntax is BAD', async () => {
    assert.deepEqual(await c.command('SEARCH CHARSET KOI8-R BODY x', 'b1'), ['b1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset']);
    assert.deepEqual(await c.command('SEARCH CHARSET US-ASCII SUBJECT meeting', 'b2'), ['* SEARCH 4', 'b2 OK SEARCH completed']);
    assert.deepEqual(await c.command('SEARCH FROB', 'b3'), ['b3 BAD Unknown search key']);
    assert.deepEqual(await c.command('SEARCH SINCE 31-Feb-2026', 'b4'), ['b4 BAD Invalid date']);
    assert.deepEqual(await c.command('UID SEARCH NOT UID $', 'b5'), ['b5 BAD No saved search result']);
  });

  it('takes a UTF-8 search string as a literal sent in pieces', async () => {
    const word = Buffer.from('Ольга', 'utf8');
    c.write(`lit SEARCH CHARSET UTF-8 BODY {${word.length}}\r\n`);
    assert.equal(await c.response(), '+ Ready for literal');
    for (const byte of word) c.write(Buffer.from([byte]));
    c.write('\r\n');
    assert.deepEqual(await c.until('lit'), ['* SEARCH 1', 'lit OK SEARCH completed']);
  });

  it('ESEARCH RETURN options', async () => {
    assert.deepEqual(await c.command('SEARCH RETURN (MIN MAX COUNT) UNSEEN', 'e1'), [
      '* ESEARCH (TAG "e1") MIN 1 MAX 4 COUNT 4',
      'e1 OK SEARCH completed',
    ]);
    assert.deepEqual(await c.command('UID SEARCH RETURN () 1:3', 'e2'), ['* ESEARCH (TAG "e2") UID ALL 1:3', 'e2 OK UID SEARCH completed']);
    assert.deepEqual(await c.command('SEARCH RETURN (COUNT) KEYWORD $Nothing', 'e3'), [
      '* ESEARCH (TAG "e3") COUNT 0',
      'e3 OK SEARCH completed',
    ]);
    assert.deepEqual(await c.command('SEARCH RETURN (SAVE) ALL', 'e4'), ['e4 BAD Unknown RETURN option']);
  });
});

describe('imap SEARCH candidates seam (a search index narrows, search confirms)', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  const calls: Array<{ mailboxId: string; terms: readonly string[] }> = [];
  let answer: ReadonlySet<number> | undefined;
  before(async () => {
    f = await startFixture({
      async searchCandidates(mailboxId, terms) {
        calls.push({ mailboxId, terms });
        return answer;
      },
    });
    c = await f.login();
    for (const body of ['zebra one', 'zebra two', 'no stripes']) await append(c, 'INBOX', message({ body }));
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('asks for the normalised terms every match must contain, and reads only the candidates', async () => {
    answer = new Set([2, 3]);
    // UID 1 matches but the index rules it out; UID 3 is a candidate that the confirmation drops.
    assert.deepEqual(await c.command('SEARCH BODY "ZEBRA   "', 'c1'), ['* SEARCH 2', 'c1 OK SEARCH completed']);
    assert.deepEqual(calls.at(-1)?.terms, ['zebra ']);
    assert.deepEqual(await c.command('SEARCH UNSEEN BODY Zebra TEXT one', 'c2'), ['* SEARCH', 'c2 OK SEARCH completed']);
    assert.deepEqual(calls.at(-1)?.terms, ['zebra', 'one']);
    // Metadata keys that already fail spare the index and the bodies.
    const before = calls.length;
    assert.deepEqual(await c.command('SEARCH SEEN BODY zebra', 'c3'), ['* SEARCH', 'c3 OK SEARCH completed']);
    assert.equal(calls.length, before);
  });

  it('an index that cannot say, or a key under NOT or OR, falls back to scanning', async () => {
    answer = undefined;
    assert.deepEqual(await c.command('SEARCH BODY zebra', 'c3b'), ['* SEARCH 1 2', 'c3b OK SEARCH completed']);
    const before = calls.length;
    assert.deepEqual(await c.command('SEARCH NOT BODY zebra', 'c4'), ['* SEARCH 3', 'c4 OK SEARCH completed']);
    assert.deepEqual(await c.command('SEARCH OR BODY stripes TEXT two', 'c5'), ['* SEARCH 2 3', 'c5 OK SEARCH completed']);
    assert.equal(calls.length, before);
  });
});

describe('imap SORT', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  before(async () => {
    f = await startFixture();
    c = await f.login();
    await append(c, 'INBOX', corpus('cp1251-8bit.eml'), '"09-Mar-2026 10:00:00 +0000"');
    await append(c, 'INBOX', corpus('koi8r-qp.eml'), '"09-Mar-2026 23:30:00 +0000"');
    await append(c, 'INBOX', corpus('latin2-base64.eml'), '"10-Mar-2026 12:00:00 +0000"');
    await append(c, 'INBOX', UTF8_BASE64, '(\\Flagged) "11-Mar-2026 12:00:00 +0000"');
    await append(c, 'INBOX', message({ subject: 'Re: Quarterly report', date: 'Wed, 11 Mar 2026 09:00:00 +0000' }), '(\\Seen)');
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('sorts by sent date, address, base subject, display name, arrival; REVERSE; ties by sequence', async () => {
    const sort = async (criteria: string) => (await c.command(`SORT ${criteria}`))[0];
    // Message 4 was sent on the 10th at 01:00 +0300, before message 3 (the 10th, 14:00 +0100).
    assert.equal(await sort('(DATE) UTF-8 ALL'), '* SORT 1 2 4 3 5');
    assert.equal(await sort('(FROM) UTF-8 ALL'), '* SORT 5 4 1 3 2');
    assert.equal(await sort('(SUBJECT) US-ASCII ALL'), '* SORT 4 5 3 1 2');
    assert.equal(await sort('(DISPLAYFROM) UTF-8 ALL'), '* SORT 5 4 3 2 1');
    assert.equal(await sort('(REVERSE ARRIVAL) UTF-8 UNSEEN'), '* SORT 4 3 2 1');
    assert.equal(await sort('(TO SIZE) UTF-8 OR FLAGGED SEEN'), '* SORT 4 5');
    assert.deepEqual(await c.command('UID SORT (REVERSE DATE) UTF-8 BODY "в"', 'u'), ['* SORT 4 1', 'u OK UID SORT completed']);
  });

  it('refuses unknown charsets and criteria', async () => {
    assert.deepEqual(await c.command('SORT (ARRIVAL) KOI8-R ALL', 'b1'), ['b1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset']);
    assert.deepEqual(await c.command('SORT (COLOUR) UTF-8 ALL', 'b2'), ['b2 BAD Unknown sort criterion']);
    assert.deepEqual(await c.command('SORT (REVERSE) UTF-8 ALL', 'b3'), ['b3 BAD Invalid sort criteria']);
  });
});
