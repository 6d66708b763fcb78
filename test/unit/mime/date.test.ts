// RFC 5322 dates, current and obsolete forms.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRfc5322Date } from '../../../firmware/mime/index.ts';

describe('parseRfc5322Date', () => {
  test('the RFC 5322 form with numeric zones', () => {
    assert.equal(parseRfc5322Date('Tue, 3 Mar 2026 09:15:00 +0100'), Date.UTC(2026, 2, 3, 8, 15, 0));
    assert.equal(parseRfc5322Date('Fri, 6 Mar 2026 12:00:00 -0500'), Date.UTC(2026, 2, 6, 17, 0, 0));
  });

  test('obsolete forms: no weekday, no seconds, two-digit years, named zones, comments, extra spaces', () => {
    assert.equal(parseRfc5322Date('9 Mar 2026 08:00 +0300'), Date.UTC(2026, 2, 9, 5, 0, 0));
    assert.equal(parseRfc5322Date('Sun, 15 Mar 26 23:59 EST'), Date.UTC(2026, 2, 16, 4, 59, 0));
    assert.equal(parseRfc5322Date('1 Jan 99 00:00:00 GMT'), Date.UTC(1999, 0, 1));
    assert.equal(parseRfc5322Date('Mon,  5   Jan 2026 10:00:00 +0000 (UTC)'), Date.UTC(2026, 0, 5, 10));
    assert.equal(parseRfc5322Date('5 January 2026 10:00:00 PDT'), Date.UTC(2026, 0, 5, 17));
    assert.equal(parseRfc5322Date('5 Jan 2026 10:00:00'), Date.UTC(2026, 0, 5, 10), 'no zone: UTC');
    assert.equal(parseRfc5322Date('5 Jan 2026 10:00:00 Q'), Date.UTC(2026, 0, 5, 10), 'military zone: -0000');
  });

  test('asctime order and ISO 8601 as a last try', () => {
    assert.equal(parseRfc5322Date('Mon Jan  5 10:00:00 2026'), Date.UTC(2026, 0, 5, 10));
    assert.equal(parseRfc5322Date('2026-03-01T10:00:00Z'), Date.UTC(2026, 2, 1, 10));
  });

  test('not a date: undefined', () => {
    for (const bad of ['', 'someday soon', '31 Feb 2026 10:00:00 +0000', '5 Jan 2026 25:00:00 +0000', '((((']) {
      assert.equal(parseRfc5322Date(bad), undefined, bad);
    }
  });
});
