import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapSyntaxError, parseCommand, tokenize } from '../../../firmware/imap/parser.ts';
import { formatDateTime, parseDate, parseDateTime } from '../../../firmware/imap/syntax/dates.ts';
import { parseFlag } from '../../../firmware/imap/syntax/flags.ts';
import { decodeMailboxName, encodeMailboxName, normalizeMailboxName } from '../../../firmware/imap/syntax/mailbox-name.ts';
import {
  containsNumber,
  formatSequenceSet,
  parseSequenceSet,
  resolveSequenceRanges,
  resolveUidSet,
  STAR,
} from '../../../firmware/imap/syntax/sequence-set.ts';
import { frames, parse } from './helpers.ts';

function bad(fn: () => unknown, reason?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ImapSyntaxError, `expected ImapSyntaxError, got ${String(err)}`);
    if (reason) assert.match(err.reason, reason);
    return true;
  });
}

describe('imap parser: command line', () => {
  it('reads tag, upper-cased command and UID prefix', () => {
    const c = parse('a1 uid fetch 1:* FLAGS');
    assert.equal(c.tag, 'a1');
    assert.equal(c.name, 'UID FETCH');
    assert.deepEqual(c.args, [
      { type: 'atom', value: '1:*' },
      { type: 'atom', value: 'FLAGS' },
    ]);
    assert.equal(parse('X noop').name, 'NOOP');
  });

  it('rejects bad tags and missing commands, keeping the tag when known', () => {
    bad(() => parse('* NOOP'), /tag/);
    bad(() => parse('a+ NOOP'), /tag/);
    assert.throws(
      () => parse('t1'),
      (e: unknown) => e instanceof ImapSyntaxError && e.tag === 't1',
    );
    assert.throws(
      () => parse('t2 UID'),
      (e: unknown) => e instanceof ImapSyntaxError && e.tag === 't2',
    );
    bad(() => parse('t3 NO!OP'), /command/);
  });
});

describe('imap parser: tokens', () => {
  it('reads atoms, numbers, NIL, quoted strings with escapes', () => {
    assert.deepEqual(tokenize('abc 42 nil "a \\"q\\" \\\\ b" \\Seen'), [
      { type: 'atom', value: 'abc' },
      { type: 'number', value: 42, raw: '42' },
      { type: 'nil' },
      { type: 'quoted', bytes: Buffer.from('a "q" \\ b') },
      { type: 'atom', value: '\\Seen' },
    ]);
    bad(() => tokenize('"bad \\n escape"'), /escape/);
    bad(() => tokenize('"unterminated'), /Unterminated/);
    bad(() => tokenize('a\x01b'), /character/);
  });

  it('keeps numbers beyond 2^53 as atoms and 8-bit text as UTF-8', () => {
    assert.deepEqual(tokenize('18446744073709551615'), [{ type: 'atom', value: '18446744073709551615' }]);
    assert.deepEqual(tokenize(Buffer.from('"\xc3\xa9t\xc3\xa9"', 'latin1')), [{ type: 'quoted', bytes: Buffer.from('été') }]);
  });

  it('reads nested lists and enforces the depth limit', () => {
    assert.deepEqual(tokenize('(a (b ()) "c")'), [
      {
        type: 'list',
        items: [
          { type: 'atom', value: 'a' },
          {
            type: 'list',
            items: [
              { type: 'atom', value: 'b' },
              { type: 'list', items: [] },
            ],
          },
          { type: 'quoted', bytes: Buffer.from('c') },
        ],
      },
    ]);
    tokenize(`${'('.repeat(32)}${')'.repeat(32)}`);
    bad(() => tokenize(`${'('.repeat(33)}${')'.repeat(33)}`), /deeply/);
    bad(() => tokenize('(a'), /Unclosed/);
    bad(() => tokenize('a)'), /Unexpected/);
  });

  it('reads literals of every kind from the frame, bytes exact', () => {
    const f = frames(Buffer.from('a LOGIN {3}\r\n\x00\xff" ~{2}\r\nab {1+}\r\n)\r\n', 'latin1'));
    const c = parseCommand(f[0]!);
    assert.deepEqual(c.args, [
      { type: 'literal', bytes: Buffer.from('\x00\xff"', 'latin1'), binary: false },
      { type: 'literal', bytes: Buffer.from('ab'), binary: true },
      { type: 'literal', bytes: Buffer.from(')'), binary: false },
    ]);
    const inList = parseCommand(frames('a X ({1}\r\nb c)\r\n')[0]!);
    assert.deepEqual(inList.args, [
      {
        type: 'list',
        items: [
          { type: 'literal', bytes: Buffer.from('b'), binary: false },
          { type: 'atom', value: 'c' },
        ],
      },
    ]);
  });

  it('reads fetch sections with nested lists and partials', () => {
    assert.deepEqual(tokenize('BODY.PEEK[1.2.HEADER.FIELDS (A "B")]<0.100> body[] BINARY[1]'), [
      {
        type: 'atom',
        value: 'BODY.PEEK',
        section: [
          { type: 'atom', value: '1.2.HEADER.FIELDS' },
          {
            type: 'list',
            items: [
              { type: 'atom', value: 'A' },
              { type: 'quoted', bytes: Buffer.from('B') },
            ],
          },
        ],
        partial: '0.100',
      },
      { type: 'atom', value: 'BODY', section: [] },
      { type: 'atom', value: 'BINARY', section: [{ type: 'number', value: 1, raw: '1' }] },
    ]);
    // Brackets stay atom characters elsewhere: a mailbox called [Gmail]/Sent.
    assert.deepEqual(tokenize('[Gmail]/Sent'), [{ type: 'atom', value: '[Gmail]/Sent' }]);
    bad(() => tokenize('BODY[TEXT'), /Unclosed/);
    bad(() => tokenize('BODY[]<0.1'), /partial/);
  });
});

describe('imap parser: sequence sets', () => {
  it('parses ranges, stars and $', () => {
    assert.deepEqual(parseSequenceSet('2,4:7,*'), {
      saved: false,
      ranges: [
        { from: 2, to: 2 },
        { from: 4, to: 7 },
        { from: STAR, to: STAR },
      ],
    });
    assert.deepEqual(parseSequenceSet('$'), { saved: true, ranges: [] });
    for (const badSet of ['', '0', '1:0', '1,,2', 'a', '1:', ':3', '4294967296', '-1', '1.5']) {
      bad(() => parseSequenceSet(badSet), /sequence set/);
    }
  });

  it('resolves against a count without expansion', () => {
    assert.deepEqual(resolveSequenceRanges(parseSequenceSet('1:*'), 5), [[1, 5]]);
    assert.deepEqual(resolveSequenceRanges(parseSequenceSet('1:4294967295'), 3), [[1, 3]]);
    assert.deepEqual(resolveSequenceRanges(parseSequenceSet('7:2,9,1'), 8), [[1, 7]]);
    assert.deepEqual(resolveSequenceRanges(parseSequenceSet('*'), 0), []);
    assert.ok(containsNumber(parseSequenceSet('3:*'), 10, 10));
    assert.ok(!containsNumber(parseSequenceSet('3:5'), 6, 10));
  });

  it('resolves UID sets against the UID list, with n:* including the highest UID', () => {
    const uids = [3, 5, 9, 100, 4000];
    assert.deepEqual(resolveUidSet(parseSequenceSet('1:4294967295'), uids), uids);
    assert.deepEqual(resolveUidSet(parseSequenceSet('4:99'), uids), [5, 9]);
    assert.deepEqual(resolveUidSet(parseSequenceSet('5000:*'), uids), [4000]);
    assert.deepEqual(resolveUidSet(parseSequenceSet('*'), []), []);
    assert.deepEqual(resolveUidSet(parseSequenceSet('9,3,9:5'), uids), [3, 5, 9]);
  });

  it('formats number lists compactly', () => {
    assert.equal(formatSequenceSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
    assert.equal(formatSequenceSet([5]), '5');
    assert.equal(formatSequenceSet([]), '');
  });
});

describe('imap parser: mailbox names (modified UTF-7)', () => {
  it('round-trips RFC 3501 examples and more', () => {
    assert.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
    assert.equal(encodeMailboxName('A&B'), 'A&-B');
    assert.equal(decodeMailboxName('A&-B'), 'A&B');
    for (const name of ['Entwürfe', 'Отправленные', '😀 emoji', 'plain', 'mix&é&x', 'Ünïcödé/Ťëšt']) {
      assert.equal(decodeMailboxName(encodeMailboxName(name)), name);
    }
  });

  it('rejects broken encodings and normalizes INBOX', () => {
    bad(() => decodeMailboxName('&Jjo'), /encoding/);
    bad(() => decodeMailboxName('&Jj!-'), /encoding/);
    bad(() => decodeMailboxName('&2D0-'), /encoding/); // lone surrogate
    assert.equal(normalizeMailboxName('inbox'), 'INBOX');
    assert.equal(normalizeMailboxName('Inbox/Sub'), 'INBOX/Sub');
    assert.equal(normalizeMailboxName('Inboxes'), 'Inboxes');
  });
});

describe('imap parser: flags and dates', () => {
  it('canonicalizes system flags and refuses \\Recent and junk', () => {
    assert.equal(parseFlag('\\SEEN'), '\\Seen');
    assert.equal(parseFlag('$Forwarded'), '$Forwarded');
    bad(() => parseFlag('\\Recent'));
    bad(() => parseFlag('\\Bogus'));
    bad(() => parseFlag('a]b'));
  });

  it('parses dates and date-times', () => {
    assert.equal(parseDate('1-Feb-1994'), Date.UTC(1994, 1, 1));
    assert.equal(parseDate('29-feb-2024'), Date.UTC(2024, 1, 29));
    bad(() => parseDate('29-Feb-2023'));
    bad(() => parseDate('1-Foo-2020'));
    assert.equal(parseDateTime('17-Jul-1996 02:44:25 -0700'), Date.UTC(1996, 6, 17, 9, 44, 25));
    assert.equal(parseDateTime(' 7-Jul-1996 02:44:25 +0000'), Date.UTC(1996, 6, 7, 2, 44, 25));
    bad(() => parseDateTime('17-Jul-1996 25:44:25 -0700'));
    assert.equal(formatDateTime(Date.UTC(1996, 6, 7, 2, 4, 5)), '07-Jul-1996 02:04:05 +0000');
  });
});
