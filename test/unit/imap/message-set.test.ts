// Sequence sets against a mailbox view: which UIDs a set names, and the UIDs a
// set covers that the mailbox no longer has (QRESYNC VANISHED).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailboxView } from '../../../firmware/imap/mailbox-view.ts';
import { absentUids, mapLimit, resolveSet } from '../../../firmware/imap/message-set.ts';
import { ImapSyntaxError } from '../../../firmware/imap/parser.ts';
import { parseSequenceSet } from '../../../firmware/imap/syntax/sequence-set.ts';

function view(uids: number[]): MailboxView {
  const v = new MailboxView({ mailboxId: 'mb', name: 'INBOX', readOnly: false, uidValidity: 1, condstore: false });
  v.load(uids.map((uid) => ({ uid, modseq: 1, flags: [] })));
  return v;
}

const set = parseSequenceSet;

describe('message sets', () => {
  it('resolves sequence numbers, with * and reversed ranges; a number past the end is a client error', () => {
    const v = view([10, 20, 30, 40]);
    assert.deepEqual(resolveSet(v, set('2:*'), false), [20, 30, 40]);
    assert.deepEqual(resolveSet(v, set('*:3,1'), false), [10, 30, 40]);
    assert.deepEqual(resolveSet(v, set('9:*'), false), [40]);
    assert.throws(() => resolveSet(v, set('5'), false), ImapSyntaxError);
    assert.throws(() => resolveSet(v, set('$'), false), ImapSyntaxError);
    assert.deepEqual(resolveSet(view([]), set('1:*'), false), []);
  });

  it('resolves UIDs, ignoring those that name no message; n:* always includes the highest', () => {
    const v = view([10, 20, 30, 40]);
    assert.deepEqual(resolveSet(v, set('15:35'), true), [20, 30]);
    assert.deepEqual(resolveSet(v, set('100:*'), true), [40]);
    assert.deepEqual(resolveSet(v, set('1:4294967295'), true), [10, 20, 30, 40]);
  });

  it('lists absent UIDs as ranges without expanding them', () => {
    assert.equal(absentUids(set('1:*'), [2, 3, 7], 9), '1,4:6,8:9');
    assert.equal(absentUids(set('1:4294967295'), [], 1_000_000), '1:1000000');
    assert.equal(absentUids(set('3:5'), [3, 4, 5], 9), '');
    assert.equal(absentUids(set('1:*'), [], 0), '');
  });

  it('mapLimit keeps the input order', async () => {
    const out = await mapLimit([30, 10, 20], 2, async (ms, i) => {
      await new Promise((resolve) => setImmediate(resolve));
      return `${i}:${ms}`;
    });
    assert.deepEqual(out, ['0:30', '1:10', '2:20']);
  });
});
