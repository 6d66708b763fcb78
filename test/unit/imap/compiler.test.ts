import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  atom,
  compileResponse,
  compileToBuffer,
  compileValue,
  fetchResponse,
  type ImapValue,
  literal,
  type StreamValue,
} from '../../../firmware/imap/compiler.ts';
import type { Token } from '../../../firmware/imap/parser.ts';
import { analyzeMessage, imapBodyStructure, imapEnvelope } from '../../../firmware/mime/index.ts';
import { parse } from './helpers.ts';

const wire = (chunks: ReturnType<typeof compileValue>) =>
  Buffer.concat(chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from('<stream>'))));

/** Compile a value, then read it back with the command parser (same value grammar). */
function roundTrip(value: ImapValue): Token[] {
  const bytes = Buffer.concat([Buffer.from('t X '), wire(compileValue(value)), Buffer.from('\r\n')]);
  return parse(bytes).args as Token[];
}

/** What the parser should give back for a value. */
function expected(v: ImapValue): Token {
  if (v === null) return { type: 'nil' };
  if (typeof v === 'number') return { type: 'number', value: v, raw: String(v) };
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return ![...v].some((c) => c === '\0' || c === '\r' || c === '\n' || c.charCodeAt(0) > 0x7f) && v.length <= 1024
      ? { type: 'quoted', bytes }
      : { type: 'literal', bytes, binary: false };
  }
  if (Array.isArray(v)) return { type: 'list', items: v.map(expected) };
  throw new Error('not covered');
}

describe('imap compiler', () => {
  it('writes atoms, numbers, NIL and quoted strings with escapes', () => {
    assert.equal(
      wire(compileValue([atom('\\Seen'), 42, null, 'a "b" \\c', 9007199254740991n])).toString(),
      '(\\Seen 42 NIL "a \\"b\\" \\\\c" 9007199254740991)',
    );
  });

  it('sends strings with CR, LF, NUL or 8-bit bytes as literals', () => {
    assert.equal(wire(compileValue('a\r\nb')).toString(), '{4}\r\na\r\nb');
    assert.equal(wire(compileValue('été')).toString('utf8'), '{5}\r\nété');
    assert.equal(wire(compileValue(Buffer.from([0x41, 0x80]))).toString('latin1'), '{2}\r\nA\x80');
    assert.equal(wire(compileValue(Buffer.from('ok'))).toString(), '"ok"');
    assert.equal(wire(compileValue(literal(Buffer.from('x'), true))).toString(), '~{1}\r\nx');
    assert.equal(
      wire(compileValue('x'.repeat(2000)))
        .subarray(0, 7)
        .toString(),
      '{2000}\r',
    );
  });

  it('refuses values that cannot be written', () => {
    assert.throws(() => compileValue(-1));
    assert.throws(() => compileValue(1.5));
    assert.throws(() => compileValue(atom('a\r\nb')));
  });

  it('round-trips nested ENVELOPE-shaped arrays through the parser', () => {
    const envelope: ImapValue = [
      'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
      'IMAP4rev1 WG mtg summary and minutes',
      [['Terry Gray', null, 'gray', 'cac.washington.edu']],
      [['Terry "TG" Gray', null, 'gray', 'cac.washington.edu']],
      null,
      [[null, null, 'imap', 'cac.washington.edu']],
      [['Ünïcode \\ name', null, 'x', 'example.test']],
      'line1\r\nline2',
      '',
      '<B27397-0100000@cac.washington.edu>',
    ];
    assert.deepEqual(roundTrip(envelope), [expected(envelope)]);
    const bodystructure: ImapValue = [
      ['TEXT', 'PLAIN', ['CHARSET', 'US-ASCII'], null, null, '7BIT', 1152, 23],
      [
        'TEXT',
        'PLAIN',
        ['CHARSET', 'US-ASCII', 'NAME', 'cc.diff'],
        '<960723163407.20117h@cac.washington.edu>',
        'Compiler diff',
        'BASE64',
        4554,
        73,
      ],
      'MIXED',
    ];
    assert.deepEqual(roundTrip(bodystructure), [expected(bodystructure)]);
  });

  it('writes tagged, untagged and continuation responses with codes', () => {
    const lines = [
      compileToBuffer({ type: 'status', tag: 'a1', status: 'OK', code: { name: 'UIDNEXT', args: [4392] }, text: 'Predicted next UID' }),
      compileToBuffer({
        type: 'status',
        tag: 'a2',
        status: 'OK',
        code: { name: 'COPYUID', args: [38505, atom('304,319:320'), atom('3956:3958')] },
        text: 'Done',
      }),
      compileToBuffer({
        type: 'status',
        status: 'OK',
        code: { name: 'PERMANENTFLAGS', args: [[atom('\\Seen'), atom('\\*')]] },
        text: 'Limited',
      }),
      compileToBuffer({ type: 'status', tag: 'a3', status: 'NO', code: { name: 'TRYCREATE' }, text: 'No such mailbox' }),
      compileToBuffer({ type: 'status', tag: 'a4', status: 'BAD', text: 'bad\r\nnews [x]' }),
      compileToBuffer({ type: 'status', tag: 'a5', status: 'NO', text: '[fake] code' }),
      compileToBuffer({ type: 'data', values: [3, atom('EXISTS')] }),
      compileToBuffer({ type: 'continue', text: 'Ready for literal' }),
      compileToBuffer({ type: 'status', status: 'OK', code: { name: 'CAPABILITY', args: [atom('IMAP4rev1'), atom('IDLE')] }, text: 'hi' }),
    ].map((b) => b.toString());
    assert.deepEqual(lines, [
      'a1 OK [UIDNEXT 4392] Predicted next UID\r\n',
      'a2 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n',
      '* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n',
      'a3 NO [TRYCREATE] No such mailbox\r\n',
      'a4 BAD bad??news [x]\r\n',
      'a5 NO  [fake] code\r\n',
      '* 3 EXISTS\r\n',
      '+ Ready for literal\r\n',
      '* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n',
    ]);
  });

  it('keeps body streams as separate chunks after their literal header', async () => {
    const body = Buffer.alloc(100_000, 0x61);
    const stream: StreamValue = {
      kind: 'stream',
      size: body.length,
      async *open() {
        yield body;
      },
    };
    const chunks = compileResponse(
      fetchResponse(7, [
        ['UID', 9],
        ['BODY[]', stream],
        ['FLAGS', [atom('\\Seen')]],
      ]),
    );
    assert.equal(chunks.length, 3);
    assert.equal(chunks[0]!.toString(), '* 7 FETCH (UID 9 BODY[] {100000}\r\n');
    assert.equal(chunks[1], stream);
    assert.equal(chunks[2]!.toString(), ' FLAGS (\\Seen))\r\n');
  });

  it('writes what the MIME room computes for ENVELOPE and BODYSTRUCTURE, readable back', () => {
    const message = Buffer.from(
      [
        'From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.com>',
        'To: "Team \\\\ \\"core\\"" <team@example.com>, bob@example.com',
        'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= and "quotes"',
        'Date: Wed, 17 Jul 1996 02:23:25 -0700',
        'Message-ID: <x@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hallo',
        '--b1',
        'Content-Type: application/pdf; name="r\u00e9sum\u00e9.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0=',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const structure = analyzeMessage(message);
    const envelope = imapEnvelope(structure);
    const body = imapBodyStructure(structure, true);
    assert.deepEqual(roundTrip(envelope), [expected(envelope)]);
    assert.deepEqual(roundTrip(body), [expected(body)]);
    const text = wire(compileValue(envelope)).toString('utf8');
    // ENVELOPE carries raw header text: encoded words stay encoded, quoted specials are escaped.
    assert.match(text, /\("=\?UTF-8\?Q\?J=C3=B6rg\?=" NIL "jorg" "example\.com"\)/);
    assert.match(text, /\("Team \\\\ \\"core\\"" NIL "team" "example\.com"\)/);
  });
});
