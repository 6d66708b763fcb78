import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  localResult,
  oneLine,
  outcomeOfCode,
  parseReply,
  resultFromReply,
  statusOfReply,
} from '../../../firmware/delivery/outbound/reply.ts';
import { groupRecipients } from '../../../firmware/delivery/outbound/runner.ts';

describe('SMTP reply mapping', () => {
  it('splits code, enhanced status and text', () => {
    assert.deepEqual(parseReply('550 5.1.1 <x@y.test>: No such user'), { code: 550, enhanced: '5.1.1', text: '<x@y.test>: No such user' });
    assert.deepEqual(parseReply('250 OK queued as 12345'), { code: 250, text: 'OK queued as 12345' });
    assert.deepEqual(parseReply('garbage'), { text: 'garbage' });
  });

  it('ignores an enhanced code whose class disagrees with the reply code', () => {
    assert.deepEqual(parseReply('451 5.7.1 confused server'), { code: 451, text: '5.7.1 confused server' });
  });

  it('folds a multi-line reply onto one line', () => {
    assert.equal(oneLine('550-5.7.1 first line\r\n550-5.7.1 second\r\n550 5.7.1 third'), '550-5.7.1 first line 5.7.1 second 5.7.1 third');
    assert.equal(parseReply('550-5.7.1 first line\n550 5.7.1 last').code, 550);
  });

  it('classifies 2xx as delivered, 4xx as temporary, 5xx as permanent, anything else as temporary', () => {
    assert.deepEqual([250, 251, 421, 450, 452, 500, 550, 554, 354, undefined].map(outcomeOfCode), [
      'delivered',
      'delivered',
      'temporary',
      'temporary',
      'temporary',
      'permanent',
      'permanent',
      'permanent',
      'temporary',
      'temporary',
    ]);
  });

  it('derives an enhanced status from the basic code when the server gave none', () => {
    assert.equal(statusOfReply('550 mailbox unavailable'), '5.0.0');
    assert.equal(statusOfReply('451 try later'), '4.0.0');
    assert.equal(statusOfReply('250 ok'), '2.0.0');
    assert.equal(statusOfReply('552 5.2.2 over quota'), '5.2.2');
  });

  it('builds results from replies and from our own decisions', () => {
    const r = resultFromReply('a@b.test', '452 4.2.2 Mailbox full', 'mx.b.test');
    assert.deepEqual(r, {
      address: 'a@b.test',
      outcome: 'temporary',
      status: '4.2.2',
      reply: '452 4.2.2 Mailbox full',
      remoteMta: 'mx.b.test',
    });
    const own = localResult('a@b.test', 'permanent', 556, '5.1.10', 'null MX');
    assert.equal(own.reply, '556 5.1.10 null MX');
  });

  it('groups recipients per domain, or all together for a smarthost', () => {
    const to = ['a@one.test', 'b@two.test', 'c@ONE.test'];
    assert.deepEqual(
      [...groupRecipients(to, false)],
      [
        ['one.test', ['a@one.test', 'c@ONE.test']],
        ['two.test', ['b@two.test']],
      ],
    );
    assert.deepEqual([...groupRecipients(to, true)], [['*', to]]);
  });
});
