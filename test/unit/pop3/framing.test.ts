// The pure parts: line framing, the command parser, SASL PLAIN decoding and
// the reply compiler with its error mapping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PochtaError } from '../../../firmware/errors.ts';
import { LineStream } from '../../../firmware/pop3/line-stream.ts';
import { messageNumberArg, Pop3SyntaxError, parseCommand } from '../../../firmware/pop3/parser.ts';
import { compileReply, err, ok, replyFromError, statusLine } from '../../../firmware/pop3/replies.ts';
import { decodePlain } from '../../../firmware/pop3/sasl-plain.ts';

function frame(input: string[], max?: number): string[] {
  const events: string[] = [];
  const stream = new LineStream({ line: (l) => events.push(l.toString('latin1')), tooLong: () => events.push('<too long>') }, max);
  for (const chunk of input) stream.push(Buffer.from(chunk, 'latin1'));
  return events;
}

describe('LineStream', () => {
  it('splits CRLF and bare LF lines across any chunking', () => {
    assert.deepEqual(frame(['US', 'ER a\r', '\nPASS b\nNO', 'OP\r\n']), ['USER a', 'PASS b', 'NOOP']);
    assert.deepEqual(frame(['\r\n\r\n']), ['', '']);
  });

  it('reports an over-long line once, drops it, and keeps the next line', () => {
    assert.deepEqual(frame([`${'x'.repeat(253)}\r\n`, `${'y'.repeat(254)}\r\nok\r\n`]), ['x'.repeat(253), '<too long>', 'ok']);
    assert.deepEqual(frame(['z'.repeat(300), 'z'.repeat(300), '\r\nnext\r\n']), ['<too long>', 'next']);
    assert.deepEqual(frame([`${'w'.repeat(253)}\n`]), ['w'.repeat(253)], 'bare LF counts like CRLF');
  });
});

describe('parseCommand', () => {
  it('upper-cases the keyword and splits arguments', () => {
    assert.deepEqual(parseCommand(Buffer.from('top 1  10')), { name: 'TOP', args: ['1', '10'], rest: '1  10' });
    assert.deepEqual(parseCommand(Buffer.from('PASS  with spaces ')), { name: 'PASS', args: ['with', 'spaces'], rest: ' with spaces ' });
    assert.deepEqual(parseCommand(Buffer.from('PASS pässwörd')).rest, 'pässwörd');
  });

  it('rejects empty lines, controls and non-keywords', () => {
    for (const bad of ['', ' STAT', 'ST4T', 'LIST\x001', '1234']) {
      assert.throws(() => parseCommand(Buffer.from(bad)), Pop3SyntaxError, JSON.stringify(bad));
    }
  });

  it('reads message numbers strictly', () => {
    assert.equal(messageNumberArg(['12']), 12);
    for (const bad of [[], ['-1'], ['1.5'], ['x'], ['1', '2'], ['12345678901']])
      assert.throws(() => messageNumberArg(bad), Pop3SyntaxError);
  });
});

describe('decodePlain', () => {
  it('decodes authzid, authcid and password', () => {
    assert.deepEqual(decodePlain(Buffer.from('\0u@x.y\0p w').toString('base64')), { authzid: '', authcid: 'u@x.y', password: 'p w' });
  });
  it('rejects bad base64, wrong part counts and the empty response', () => {
    for (const bad of ['!!', '=', Buffer.from('a\0b').toString('base64'), Buffer.from('\0\0p').toString('base64')]) {
      assert.throws(() => decodePlain(bad), Pop3SyntaxError, bad);
    }
  });
});

describe('replies', () => {
  it('compiles status lines with response codes and dot-stuffed multi-line bodies', () => {
    assert.equal(statusLine(ok('2 320')), '+OK 2 320\r\n');
    assert.equal(statusLine(ok()), '+OK\r\n');
    assert.equal(statusLine(err('Maildrop locked', 'IN-USE')), '-ERR [IN-USE] Maildrop locked\r\n');
    assert.equal(compileReply(ok('list', { lines: ['1 10', '.hidden'] })), '+OK list\r\n1 10\r\n..hidden\r\n.\r\n');
    assert.equal(compileReply(ok('none', { lines: [] })), '+OK none\r\n.\r\n');
    assert.equal(statusLine(err('a\r\nb')), '-ERR a b\r\n', 'text cannot break the framing');
  });

  it('maps catalogue errors to RESP-CODES and hides details', () => {
    assert.equal(statusLine(replyFromError(new PochtaError('MAILBOX_IN_USE', 'secret detail'))), '-ERR [IN-USE] Mailbox is in use\r\n');
    assert.match(statusLine(replyFromError(new PochtaError('ACCOUNT_DISABLED'))), /^-ERR \[AUTH\] Authentication credentials invalid/);
    assert.match(statusLine(replyFromError(new PochtaError('AUTH_THROTTLED'))), /^-ERR \[LOGIN-DELAY\]/);
    assert.match(statusLine(replyFromError(new PochtaError('DISK_FULL'))), /^-ERR \[SYS\/TEMP\]/);
    assert.match(statusLine(replyFromError(new Error('boom at /secret/path'))), /^-ERR \[SYS\/TEMP\] Internal error, try again later/);
    assert.equal(statusLine(replyFromError(new Pop3SyntaxError('Invalid message number'))), '-ERR Invalid message number\r\n');
  });
});
