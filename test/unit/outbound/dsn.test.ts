import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDsn, headerBlock, rfc5322Date } from '../../../firmware/delivery/outbound/dsn.ts';
import { parseDsn } from '../../outbound/support/dsn-parse.ts';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const original = Buffer.from(
  'From: Ann <ann@here.test>\r\nTo: bob@far.test\r\nSubject: Lunch\r\nMessage-ID: <m1@here.test>\r\n\r\nsee you\r\n',
);

describe('DSN builder (RFC 3464)', () => {
  it('takes the header block of a message, CRLF or bare LF', () => {
    assert.equal(headerBlock(original), 'From: Ann <ann@here.test>\r\nTo: bob@far.test\r\nSubject: Lunch\r\nMessage-ID: <m1@here.test>');
    assert.equal(headerBlock(Buffer.from('A: 1\nB: 2\n\nbody\n')), 'A: 1\r\nB: 2');
    assert.equal(headerBlock(Buffer.from('A: 1\r\nB: 2\r\n')), 'A: 1\r\nB: 2');
  });

  it('formats dates as RFC 5322 with a numeric zone', () => {
    assert.equal(rfc5322Date(T0), 'Fri, 27 Nov 2026 09:00:00 +0000');
  });

  it('builds a multipart/report with human text, delivery-status and the original headers', () => {
    const raw = buildDsn({
      reportingMta: 'box.here.test',
      queueId: 'q123',
      to: 'ann@here.test',
      arrivalDate: T0,
      now: T0 + 60_000,
      uniqueId: 'u1',
      originalHeaders: headerBlock(original),
      recipients: [
        {
          address: 'bob@far.test',
          action: 'failed',
          status: '5.1.1',
          remoteMta: 'mx.far.test',
          diagnostic: '550 5.1.1 No such user',
          lastAttemptAt: T0 + 30_000,
        },
        { address: 'cid@far.test', action: 'failed', status: '4.4.7', diagnostic: '451 4.4.1 no answer' },
      ],
    });
    const text = raw.toString('utf8');
    assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
    const dsn = parseDsn(raw);
    assert.equal(dsn.headers.get('from'), 'Mail Delivery System <MAILER-DAEMON@box.here.test>');
    assert.equal(dsn.headers.get('to'), '<ann@here.test>');
    assert.equal(dsn.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(dsn.headers.get('message-id'), '<u1@box.here.test>');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.deepEqual(dsn.partTypes, ['text/plain; charset=utf-8', 'message/delivery-status', 'text/rfc822-headers']);
    assert.match(dsn.humanText, /could not be delivered/);
    assert.match(dsn.humanText, /<bob@far.test>: 550 5.1.1 No such user \(answer from mx.far.test\)/);
    assert.equal(dsn.perMessage.get('reporting-mta'), 'dns; box.here.test');
    assert.equal(dsn.perMessage.get('arrival-date'), 'Fri, 27 Nov 2026 09:00:00 +0000');
    assert.equal(dsn.recipients.length, 2);
    const [bob, cid] = dsn.recipients;
    assert.equal(bob?.get('final-recipient'), 'rfc822; bob@far.test');
    assert.equal(bob?.get('action'), 'failed');
    assert.equal(bob?.get('status'), '5.1.1');
    assert.equal(bob?.get('remote-mta'), 'dns; mx.far.test');
    assert.equal(bob?.get('diagnostic-code'), 'smtp; 550 5.1.1 No such user');
    assert.equal(bob?.get('last-attempt-date'), 'Fri, 27 Nov 2026 09:00:30 +0000');
    assert.equal(cid?.get('status'), '4.4.7');
    assert.equal(cid?.get('remote-mta'), undefined);
    assert.equal(dsn.originalHeaders, headerBlock(original));
  });

  it('says "delayed" with Will-Retry-Until in a delay notice', () => {
    const dsn = parseDsn(
      buildDsn({
        reportingMta: 'box.here.test',
        queueId: 'q1',
        to: 'ann@here.test',
        arrivalDate: T0,
        now: T0 + 4 * 3_600_000,
        uniqueId: 'u2',
        originalHeaders: 'Subject: x',
        willRetryUntil: T0 + 5 * 86_400_000,
        recipients: [{ address: 'bob@far.test', action: 'delayed', status: '4.4.1', diagnostic: '421 4.4.1 busy' }],
      }),
    );
    assert.match(dsn.headers.get('subject') ?? '', /Delayed/);
    assert.equal(dsn.recipients[0]?.get('action'), 'delayed');
    assert.equal(dsn.recipients[0]?.get('will-retry-until'), 'Wed, 2 Dec 2026 09:00:00 +0000');
    assert.match(dsn.humanText, /keeps trying/);
  });

  it('keeps a hostile diagnostic on one line', () => {
    const dsn = parseDsn(
      buildDsn({
        reportingMta: 'box.here.test',
        queueId: 'q1',
        to: 'ann@here.test',
        arrivalDate: T0,
        now: T0,
        uniqueId: 'u3',
        originalHeaders: 'Subject: x',
        recipients: [{ address: 'bob@far.test', action: 'failed', status: '5.0.0', diagnostic: '550 bad\r\nAction: delivered' }],
      }),
    );
    assert.equal(dsn.recipients[0]?.get('action'), 'failed');
    assert.equal(dsn.recipients[0]?.get('diagnostic-code'), 'smtp; 550 bad Action: delivered');
  });
});
