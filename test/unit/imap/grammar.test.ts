import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapSyntaxError } from '../../../firmware/imap/parser.ts';
import * as g from '../../../firmware/imap/syntax/commands.ts';
import { fetchItemKey, parseFetchArgs } from '../../../firmware/imap/syntax/fetch.ts';
import { parseListArgs, parseLsubArgs, parseStatusArgs } from '../../../firmware/imap/syntax/list.ts';
import { parseSearchArgs } from '../../../firmware/imap/syntax/search.ts';
import { parseStoreArgs } from '../../../firmware/imap/syntax/store.ts';
import { args } from './helpers.ts';

function bad(fn: () => unknown, reason?: RegExp) {
  assert.throws(fn, (err: unknown) => err instanceof ImapSyntaxError && (reason === undefined || reason.test(err.reason)));
}

describe('imap grammar: simple commands', () => {
  it('no-argument commands refuse arguments', () => {
    assert.deepEqual(args('a NOOP', g.parseNoArgs), {});
    bad(() => args('a NOOP x', g.parseNoArgs), /extra/);
  });

  it('LOGIN takes two astrings in any form', () => {
    assert.deepEqual(args('a LOGIN bob "pa ss"', g.parseLoginArgs), { user: 'bob', password: 'pa ss' });
    assert.deepEqual(args('a LOGIN {3+}\r\nb"b {2+}\r\n\\\\\r\n', g.parseLoginArgs), { user: 'b"b', password: '\\\\' });
    bad(() => args('a LOGIN bob', g.parseLoginArgs), /Missing password/);
  });

  it('AUTHENTICATE with and without SASL-IR', () => {
    assert.deepEqual(args('a AUTHENTICATE plain', g.parseAuthenticateArgs), { mechanism: 'PLAIN' });
    assert.deepEqual(args('a AUTHENTICATE PLAIN AGEAYg==', g.parseAuthenticateArgs), { mechanism: 'PLAIN', initial: 'AGEAYg==' });
    assert.deepEqual(args('a AUTHENTICATE PLAIN =', g.parseAuthenticateArgs), { mechanism: 'PLAIN', initial: '=' });
    bad(() => args('a AUTHENTICATE PLAIN a*b', g.parseAuthenticateArgs));
  });

  it('SELECT/EXAMINE with CONDSTORE, mailbox names decoded', () => {
    assert.deepEqual(args('a SELECT inbox', g.parseSelectArgs), { mailbox: 'INBOX', condstore: false });
    assert.deepEqual(args('a EXAMINE "Entw&APw-rfe" (CONDSTORE)', g.parseSelectArgs), { mailbox: 'Entwürfe', condstore: true });
    bad(() => args('a SELECT x (QRESYNC)', g.parseSelectArgs), /select parameter/);
    bad(() => args('a SELECT ""', g.parseSelectArgs), /Empty/);
  });

  it('CREATE with USE, DELETE, RENAME, SUBSCRIBE', () => {
    assert.deepEqual(args('a CREATE Sent2 (USE (\\sent))', g.parseCreateArgs), { mailbox: 'Sent2', specialUse: '\\Sent' });
    assert.deepEqual(args('a CREATE a/b', g.parseCreateArgs), { mailbox: 'a/b' });
    bad(() => args('a CREATE x (USE (\\Bogus))', g.parseCreateArgs), /special-use/);
    assert.deepEqual(args('a DELETE "x y"', g.parseMailboxArg), { mailbox: 'x y' });
    assert.deepEqual(args('a RENAME INBOX Old', g.parseRenameArgs), { from: 'INBOX', to: 'Old' });
    assert.deepEqual(args('a SUBSCRIBE {4+}\r\nWork\r\n', g.parseMailboxArg), { mailbox: 'Work' });
  });

  it('COPY/MOVE and UID EXPUNGE', () => {
    const c = args('a UID MOVE 1:3,7 Trash', g.parseCopyArgs);
    assert.equal(c.mailbox, 'Trash');
    assert.equal(c.set.ranges.length, 2);
    assert.equal(args('a UID EXPUNGE 4:*', g.parseUidExpungeArgs).set.ranges.length, 1);
    bad(() => args('a COPY x Trash', g.parseCopyArgs), /sequence set/);
  });

  it('APPEND with flags, date-time and literal or literal8', () => {
    const a = args('a APPEND Drafts (\\Seen \\draft) "05-Jan-2024 10:00:00 +0100" {5+}\r\nHi\r\n!\r\n', g.parseAppendArgs);
    assert.deepEqual(a, {
      mailbox: 'Drafts',
      flags: ['\\Seen', '\\Draft'],
      internalDate: Date.UTC(2024, 0, 5, 9),
      message: Buffer.from('Hi\r\n!'),
      binary: false,
    });
    assert.equal(args('a APPEND x ~{2+}\r\n\x00\x01\r\n', g.parseAppendArgs).binary, true);
    bad(() => args('a APPEND x {1+}\r\n\x00\r\n', g.parseAppendArgs), /NUL/);
    bad(() => args('a APPEND x "text"', g.parseAppendArgs));
    bad(() => args('a APPEND x atom', g.parseAppendArgs), /literal/);
    bad(() => args('a APPEND x (\\Recent) {1+}\r\nx\r\n', g.parseAppendArgs), /flag/);
  });

  it('ENABLE, ID, GETQUOTA', () => {
    assert.deepEqual(args('a ENABLE condstore UTF8=ACCEPT', g.parseEnableArgs), { capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] });
    bad(() => args('a ENABLE', g.parseEnableArgs));
    assert.equal(args('a ID NIL', g.parseIdArgs).params.size, 0);
    const id = args('a ID ("name" "Thunderbird" "version" NIL)', g.parseIdArgs).params;
    assert.equal(id.get('name'), 'Thunderbird');
    assert.equal(id.get('version'), null);
    bad(() => args('a ID ("name")', g.parseIdArgs));
    assert.deepEqual(args('a GETQUOTA ""', g.parseQuotaRootArg), { root: '' });
  });
});

describe('imap grammar: FETCH', () => {
  it('expands macros and reads single attributes', () => {
    const all = args('a FETCH 1:* ALL', parseFetchArgs);
    assert.deepEqual(all.items.map(fetchItemKey), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
    assert.deepEqual(args('a FETCH 1 full', parseFetchArgs).items.length, 5);
    assert.deepEqual(args('a FETCH 2 uid', parseFetchArgs).items, [{ kind: 'simple', name: 'UID' }]);
  });

  it('reads sections, partials, BINARY and CHANGEDSINCE', () => {
    const f = args(
      'a UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)] BODY[1.2.MIME] body[]<0.100> BINARY.PEEK[1]<5.10> BINARY.SIZE[2] RFC822.SIZE BODY[TEXT] BODY[2.HEADER.FIELDS.NOT (X-A)]) (CHANGEDSINCE 12345)',
      parseFetchArgs,
    );
    assert.equal(f.changedSince, 12345);
    assert.deepEqual(f.items.map(fetchItemKey), [
      'UID',
      'FLAGS',
      'BODY[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]',
      'BODY[1.2.MIME]',
      'BODY[]<0>',
      'BINARY[1]<5>',
      'BINARY.SIZE[2]',
      'RFC822.SIZE',
      'BODY[TEXT]',
      'BODY[2.HEADER.FIELDS.NOT (X-A)]',
      'MODSEQ',
    ]);
    assert.deepEqual(f.items[2], {
      kind: 'body',
      peek: true,
      section: { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'TO', 'SUBJECT', 'DATE', 'MESSAGE-ID'] },
    });
    assert.deepEqual(f.items[4], { kind: 'body', peek: false, section: { part: [] }, partial: { offset: 0, length: 100 } });
  });

  it('rejects malformed attributes', () => {
    for (const cmd of [
      'a FETCH 1 (FOO)',
      'a FETCH 1 ()',
      'a FETCH 1 BODY[MIME]',
      'a FETCH 1 BODY[1.FOO]',
      'a FETCH 1 BODY[0]',
      'a FETCH 1 BODY[HEADER.FIELDS]',
      'a FETCH 1 BODY[HEADER.FIELDS ()]',
      'a FETCH 1 BODY[]<1.0>',
      'a FETCH 1 BODY[]<x>',
      'a FETCH 1 BINARY.SIZE[1]<0.1>',
      'a FETCH 1 FLAGS (CHANGEDSINCE x)',
      'a FETCH 1 FLAGS (VANISHED)',
      'a FETCH FLAGS',
      'a FETCH 1 BODY[1HEADER]',
    ]) {
      bad(() => args(cmd, parseFetchArgs));
    }
  });
});

describe('imap grammar: SEARCH', () => {
  it('reads every RFC 3501 key', () => {
    const s = args(
      'a SEARCH CHARSET utf-8 ALL ANSWERED BCC b BEFORE 1-Feb-1994 BODY "x y" CC c DELETED DRAFT FLAGGED FROM f HEADER X-Spam yes KEYWORD $Junk LARGER 100 NEW NOT SEEN OLD ON 2-Mar-2000 OR SEEN FLAGGED RECENT SEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE "1-Jan-2000" SMALLER 5 SUBJECT s TEXT t TO t UID 1:5 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $x UNSEEN 1,3:* (FROM a TO b) MODSEQ 7 MODSEQ "/flags/\\\\draft" all 8',
      parseSearchArgs,
    );
    assert.equal(s.charset, 'UTF-8');
    assert.equal(s.key.op, 'and');
    if (s.key.op !== 'and') return;
    const ops = s.key.keys.map((k) => k.op);
    assert.deepEqual(ops, [
      'all',
      'flag',
      'header',
      'internaldate',
      'body',
      'header',
      'flag',
      'flag',
      'flag',
      'header',
      'header',
      'flag',
      'larger',
      'and',
      'not',
      'flag',
      'internaldate',
      'or',
      'flag',
      'flag',
      'sentdate',
      'sentdate',
      'sentdate',
      'internaldate',
      'smaller',
      'header',
      'text',
      'header',
      'uid',
      'flag',
      'flag',
      'flag',
      'flag',
      'flag',
      'flag',
      'seq',
      'and',
      'modseq',
      'modseq',
    ]);
    assert.deepEqual(s.key.keys[10], { op: 'header', field: 'X-SPAM', value: 'yes' });
    assert.deepEqual(s.key.keys[17], {
      op: 'or',
      left: { op: 'flag', flag: '\\Seen', set: true },
      right: { op: 'flag', flag: '\\Flagged', set: true },
    });
    assert.deepEqual(s.key.keys[38], { op: 'modseq', modseq: 8 });
  });

  it('reads RETURN options, literals in UTF-8 and a lone key', () => {
    const s = args('a UID SEARCH RETURN (MIN COUNT) CHARSET UTF-8 TEXT {7+}\r\nstraße\r\n', parseSearchArgs);
    assert.deepEqual(s.returns, ['MIN', 'COUNT']);
    assert.deepEqual(s.key, { op: 'text', value: 'straße' });
    assert.deepEqual(args('a SEARCH $', parseSearchArgs).key, { op: 'seq', set: { ranges: [], saved: true } });
  });

  it('rejects malformed keys and runaway nesting', () => {
    for (const cmd of [
      'a SEARCH',
      'a SEARCH FOO',
      'a SEARCH BEFORE x',
      'a SEARCH OR SEEN',
      'a SEARCH NOT',
      'a SEARCH ()',
      'a SEARCH LARGER x',
    ]) {
      bad(() => args(cmd, parseSearchArgs));
    }
    bad(() => args(`a SEARCH ${'NOT '.repeat(1000)}SEEN`, parseSearchArgs), /deeply/);
  });
});

describe('imap grammar: STORE', () => {
  it('reads the three operations, .SILENT and UNCHANGEDSINCE', () => {
    assert.deepEqual(args('a STORE 1 +FLAGS (\\Seen)', parseStoreArgs).op, 'add');
    const s = args('a UID STORE 1:* (UNCHANGEDSINCE 99) -flags.silent \\Deleted $x', parseStoreArgs);
    assert.equal(s.op, 'remove');
    assert.equal(s.silent, true);
    assert.equal(s.unchangedSince, 99);
    assert.deepEqual(s.flags, ['\\Deleted', '$x']);
    assert.deepEqual(args('a STORE 1 FLAGS ()', parseStoreArgs).flags, []);
    bad(() => args('a STORE 1 +FLAGS ()', parseStoreArgs), /Missing flags/);
    bad(() => args('a STORE 1 LABELS (x)', parseStoreArgs), /store item/);
    bad(() => args('a STORE 1 FLAGS (\\Recent)', parseStoreArgs), /flag/);
  });
});

describe('imap grammar: LIST, LSUB, STATUS', () => {
  it('reads basic and extended LIST', () => {
    const basic = args('a LIST "" *', parseListArgs);
    assert.deepEqual(basic, {
      selection: [],
      reference: '',
      patterns: ['*'],
      returnSubscribed: false,
      returnChildren: false,
      returnSpecialUse: false,
      extended: false,
    });
    const ext = args(
      'a LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %/&APw-) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))',
      parseListArgs,
    );
    assert.deepEqual(ext.selection, ['SUBSCRIBED', 'RECURSIVEMATCH']);
    assert.deepEqual(ext.patterns, ['INBOX', '%/ü']);
    assert.equal(ext.returnChildren, true);
    assert.deepEqual(ext.returnStatus, ['MESSAGES', 'UNSEEN']);
    assert.equal(ext.extended, true);
    assert.deepEqual(args('a LIST "" ""', parseListArgs).patterns, ['']);
    bad(() => args('a LIST (RECURSIVEMATCH) "" *', parseListArgs));
    bad(() => args('a LIST "" * RETURN (BOGUS)', parseListArgs));
    bad(() => args('a LIST ""', parseListArgs));
  });

  it('reads LSUB and STATUS', () => {
    assert.deepEqual(args('a LSUB "" Work/%', parseLsubArgs), { reference: '', pattern: 'Work/%' });
    assert.deepEqual(args('a STATUS inbox (MESSAGES uidnext UIDNEXT HIGHESTMODSEQ)', parseStatusArgs), {
      mailbox: 'INBOX',
      items: ['MESSAGES', 'UIDNEXT', 'HIGHESTMODSEQ'],
    });
    bad(() => args('a STATUS INBOX ()', parseStatusArgs));
    bad(() => args('a STATUS INBOX (FOO)', parseStatusArgs));
  });
});
