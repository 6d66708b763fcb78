import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, type ErrorCode, PochtaError } from '../../../firmware/errors.ts';
import { ImapSyntaxError } from '../../../firmware/imap/parser.ts';
import { resultFromError } from '../../../firmware/imap/responses.ts';
import { UpdateQueue } from '../../../firmware/imap/session.ts';

describe('imap responses: errors to replies', () => {
  it('maps store errors to NO with RFC 5530 codes and catalogue text only', () => {
    assert.deepEqual(resultFromError(new PochtaError('OVER_QUOTA', 'alice used 10 of 10')), {
      status: 'NO',
      code: { name: 'OVERQUOTA' },
      text: 'Mailbox full',
    });
    assert.deepEqual(resultFromError(new PochtaError('NOT_FOUND', 'mailbox x')).code, { name: 'NONEXISTENT' });
    assert.deepEqual(resultFromError(new PochtaError('ALREADY_EXISTS')).code, { name: 'ALREADYEXISTS' });
    assert.deepEqual(resultFromError(new PochtaError('MAILBOX_IN_USE')).code, { name: 'INUSE' });
    assert.deepEqual(resultFromError(new PochtaError('FORBIDDEN')).code, { name: 'NOPERM' });
    assert.deepEqual(resultFromError({ code: 'STORAGE_FAILURE', message: 'crossed a port' }).code, { name: 'UNAVAILABLE' });
  });

  it('hides disabled accounts behind the wrong-password reply', () => {
    assert.deepEqual(resultFromError(new PochtaError('ACCOUNT_DISABLED')), resultFromError(new PochtaError('AUTH_FAILED')));
  });

  it('turns unknown failures into NO [SERVERBUG] and syntax errors into BAD', () => {
    assert.deepEqual(resultFromError(new TypeError('x is undefined')), {
      status: 'NO',
      code: { name: 'SERVERBUG' },
      text: ERRORS.INTERNAL.text,
    });
    assert.deepEqual(resultFromError(new ImapSyntaxError('Invalid flag')), { status: 'BAD', text: 'Invalid flag' });
  });

  it('never leaks the detail of any catalogue error', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const result = resultFromError(new PochtaError(code, 'SECRET DETAIL'));
      assert.equal(result.status, 'NO');
      assert.doesNotMatch(result.text, /SECRET/);
    }
  });
});

describe('imap update queue', () => {
  const data = (n: number, what: string) => ({ type: 'data' as const, values: [n, { kind: 'atom' as const, value: what }] });

  it('holds EXPUNGE and everything after it while sequence numbers are in use', () => {
    const q = new UpdateQueue();
    let pushes = 0;
    q.onPush(() => pushes++);
    q.push(data(1, 'FETCH'));
    q.push(data(3, 'EXPUNGE'), true);
    q.push(data(4, 'EXISTS'));
    assert.equal(pushes, 3);
    assert.deepEqual(q.drain(false), [data(1, 'FETCH')]);
    assert.deepEqual(q.drain(false), []);
    assert.deepEqual(q.drain(true), [data(3, 'EXPUNGE'), data(4, 'EXISTS')]);
    assert.equal(q.size, 0);
  });
});
