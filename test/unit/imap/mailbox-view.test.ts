// The selected mailbox's view: sequence numbers, recorded store changes turned
// into untagged responses at sync(), EXPUNGE numbering and held expunges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileToBuffer, type ImapResponse } from '../../../firmware/imap/compiler.ts';
import { MailboxView } from '../../../firmware/imap/mailbox-view.ts';

const wire = (responses: readonly ImapResponse[]) => responses.map((r) => compileToBuffer(r).toString('latin1').trimEnd());

function view(uids: number[], condstore = false): MailboxView {
  const v = new MailboxView({ mailboxId: 'mb', name: 'INBOX', readOnly: false, uidValidity: 7, condstore });
  v.load(uids.map((uid) => ({ uid, modseq: uid, flags: [] })));
  return v;
}

describe('MailboxView', () => {
  it('maps UIDs to sequence numbers', () => {
    const v = view([3, 5, 9]);
    assert.equal(v.seqOf(5), 2);
    assert.equal(v.seqOf(4), 0);
    assert.equal(v.exists, 3);
  });

  it('numbers several EXPUNGEs as the client applies them one after the other', () => {
    const v = view([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(wire(v.expunge([2, 3, 5, 99])), ['* 2 EXPUNGE', '* 2 EXPUNGE', '* 3 EXPUNGE']);
    assert.deepEqual(v.uids, [1, 4, 6]);
  });

  it('holds expunges while not allowed, telling new messages and flag changes meanwhile', () => {
    const v = view([1, 2, 3]);
    v.apply({ type: 'expunged', accountId: 'a', mailboxId: 'mb', uids: [2], modseq: 10 });
    v.apply({ type: 'message-added', accountId: 'a', mailboxId: 'mb', uid: 4, modseq: 11 });
    v.apply({ type: 'flags-changed', accountId: 'a', mailboxId: 'mb', changes: [{ uid: 3, flags: ['\\Seen'], modseq: 12 }] });
    v.apply({ type: 'flags-changed', accountId: 'a', mailboxId: 'mb', changes: [{ uid: 2, flags: ['\\Deleted'], modseq: 9 }] });
    // The expunged message keeps its number until EXPUNGE may be sent: EXISTS counts it.
    assert.deepEqual(wire(v.sync(false)), ['* 4 EXISTS', '* 0 RECENT', '* 3 FETCH (FLAGS (\\Seen))']);
    assert.deepEqual(wire(v.sync(true)), ['* 2 EXPUNGE']);
    assert.deepEqual(v.uids, [1, 3, 4]);
    assert.deepEqual(wire(v.sync(true)), []);
  });

  it('a message added and expunged between two syncs is never told', () => {
    const v = view([1]);
    v.apply({ type: 'message-added', accountId: 'a', mailboxId: 'mb', uid: 2, modseq: 5 });
    v.apply({ type: 'message-added', accountId: 'a', mailboxId: 'mb', uid: 3, modseq: 6 });
    v.apply({ type: 'expunged', accountId: 'a', mailboxId: 'mb', uids: [2], modseq: 7 });
    assert.deepEqual(wire(v.sync(true)), ['* 2 EXISTS', '* 0 RECENT']);
    assert.deepEqual(v.uids, [1, 3]);
    v.apply({ type: 'message-added', accountId: 'a', mailboxId: 'mb', uid: 4, modseq: 8 });
    v.apply({ type: 'expunged', accountId: 'a', mailboxId: 'mb', uids: [4, 1], modseq: 9 });
    assert.deepEqual(wire(v.sync(false)), []);
    assert.deepEqual(wire(v.sync(true)), ['* 1 EXPUNGE']);
    assert.deepEqual(v.uids, [3]);
  });

  it('does not repeat what the session told itself: own flag changes, own expunges, known messages', () => {
    const v = view([1, 2], true);
    v.apply({ type: 'flags-changed', accountId: 'a', mailboxId: 'mb', changes: [{ uid: 1, flags: ['\\Seen'], modseq: 5 }] });
    v.reported(1, 5);
    v.apply({ type: 'expunged', accountId: 'a', mailboxId: 'mb', uids: [2], modseq: 6 });
    assert.deepEqual(wire(v.expunge([2])), ['* 2 EXPUNGE']);
    v.apply({ type: 'message-added', accountId: 'a', mailboxId: 'mb', uid: 1, modseq: 1 });
    assert.deepEqual(wire(v.sync(true)), []);
  });

  it('under CONDSTORE a flag update carries UID and MODSEQ; a new keyword is announced first', () => {
    const v = view([4], true);
    v.apply({ type: 'flags-changed', accountId: 'a', mailboxId: 'mb', changes: [{ uid: 4, flags: ['$Later'], modseq: 20 }] });
    assert.deepEqual(wire(v.sync(true)), [
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Later)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Later \\*)] Flags permitted',
      '* 1 FETCH (UID 4 FLAGS ($Later) MODSEQ (20))',
    ]);
  });

  it('follows a rename and marks a deletion', () => {
    const v = view([1]);
    assert.equal(v.apply({ type: 'mailbox-renamed', accountId: 'a', mailboxId: 'mb', oldName: 'INBOX', name: 'Old' }), false);
    assert.equal(v.name, 'Old');
    assert.equal(v.apply({ type: 'mailbox-deleted', accountId: 'a', mailboxId: 'mb', name: 'Old' }), true);
    assert.equal(v.gone, true);
  });
});
