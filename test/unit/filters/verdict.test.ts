import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PochtaError } from '../../../firmware/errors.ts';
import {
  ACCEPT,
  disconnect,
  isAccept,
  reject,
  replyLine,
  tempfail,
  totalScore,
  verdictFromError,
  worst,
} from '../../../firmware/filters/verdict.ts';

describe('verdicts', () => {
  it('builds each kind with sensible defaults and a reply line', () => {
    assert.equal(replyLine(ACCEPT), undefined);
    assert.equal(isAccept(ACCEPT), true);
    assert.equal(replyLine(reject('No')), '550 5.7.1 No');
    assert.equal(replyLine(tempfail('Later')), '451 4.7.1 Later');
    assert.equal(replyLine(disconnect('Bye')), '421 4.7.0 Bye');
    assert.deepEqual(disconnect('Go away', 554, '5.7.1'), { kind: 'disconnect', code: 554, enhanced: '5.7.1', text: 'Go away' });
  });

  it('refuses status codes of the wrong class and keeps text on one line', () => {
    assert.throws(() => reject('x', 451), RangeError);
    assert.throws(() => reject('x', 550, '4.1.1'), RangeError);
    assert.throws(() => tempfail('x', 550), RangeError);
    assert.throws(() => disconnect('x', 450), RangeError);
    assert.equal(reject('one\r\n250 injected').kind === 'reject' && replyLine(reject('one\r\n250 injected')), '550 5.7.1 one 250 injected');
  });

  it('maps thrown errors: catalogue codes keep their reply, unknown ones are temporary', () => {
    assert.deepEqual(verdictFromError(new PochtaError('UNKNOWN_USER', 'bob')), {
      kind: 'reject',
      code: 550,
      enhanced: '5.1.1',
      text: 'No such user here',
    });
    assert.deepEqual(verdictFromError(new PochtaError('OVER_QUOTA')), {
      kind: 'tempfail',
      code: 452,
      enhanced: '4.2.2',
      text: 'Mailbox full',
    });
    assert.equal(verdictFromError(new Error('boom')).kind, 'tempfail');
  });

  it('picks the harshest verdict, first among equals', () => {
    const r1 = reject('first');
    const r2 = reject('second');
    assert.equal(worst([]), ACCEPT);
    assert.equal(worst([ACCEPT, tempfail('t'), r1, r2]), r1);
    assert.equal(worst([r1, disconnect('d'), tempfail('t')]).kind, 'disconnect');
  });

  it('adds scores of filter results', () => {
    assert.equal(
      totalScore([
        { filter: 'dnsbl', verdict: ACCEPT, score: 1, reasons: [] },
        { filter: 'spf', verdict: ACCEPT, score: 2.5, reasons: ['spf=fail'] },
      ]),
      3.5,
    );
  });
});
