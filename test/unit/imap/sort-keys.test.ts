// RFC 5256 base subjects and the values SORT compares.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseSubject } from '../../../firmware/imap/search/sort-keys.ts';

describe('SORT base subject (RFC 5256 2.1)', () => {
  it('strips reply and forward markers, list blobs and (fwd) trailers, case-insensitively', () => {
    assert.equal(baseSubject('Re: Re: [list] Fwd: Hello (fwd)'), 'hello');
    assert.equal(baseSubject('RE:  FW: [x] re [y]: Quarterly   numbers  '), 'quarterly numbers');
    assert.equal(baseSubject('[PATCH] Re: fix the build'), 'fix the build');
    assert.equal(baseSubject('[fwd: Re: lunch]'), 'lunch');
    assert.equal(baseSubject('Fwd:[fwd: [fwd: nested]] (fwd)'), 'nested');
  });

  it('keeps a blob that is the whole subject, decodes encoded words, and leaves other words alone', () => {
    assert.equal(baseSubject('[only a blob]'), '[only a blob]');
    assert.equal(baseSubject('=?utf-8?B?UmU6IMOcYmVyc2ljaHQ=?='), 'übersicht');
    assert.equal(baseSubject('Rebooting: notes'), 'rebooting: notes');
    assert.equal(baseSubject(''), '');
  });
});
