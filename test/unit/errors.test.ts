import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, errorCodeOf, PochtaError, toReplyError } from '../../firmware/errors.ts';

describe('error catalogue', () => {
  it('maps a PochtaError to its catalogue reply, keeping detail out of the client text', () => {
    const reply = toReplyError(new PochtaError('OVER_QUOTA', 'user bob@example.test used 10 of 10 bytes'));
    assert.deepEqual(reply, { code: 'OVER_QUOTA', smtp: 452, enhanced: '4.2.2', text: 'Mailbox full', temporary: true });
  });

  it('treats unknown failures as temporary internal errors', () => {
    assert.equal(toReplyError(new Error('boom')).code, 'INTERNAL');
    assert.equal(toReplyError('string thrown').temporary, true);
  });

  it('recognises errors that crossed a MessagePort as plain objects, and disk errors', () => {
    assert.equal(errorCodeOf({ code: 'UNKNOWN_USER', message: 'x' }), 'UNKNOWN_USER');
    assert.equal(errorCodeOf(Object.assign(new Error('no space'), { code: 'ENOSPC' })), 'DISK_FULL');
    assert.equal(errorCodeOf({ code: 'EIO' }), 'STORAGE_FAILURE');
  });

  it('has consistent temporary flags and status classes', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      assert.equal(spec.temporary, spec.smtp < 500, `${code}: temporary must match a 4xx code`);
      assert.equal(spec.enhanced[0], String(spec.smtp)[0], `${code}: enhanced class must match`);
    }
  });
});
