// RFC 5322 address lists, including broken ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAddressList } from '../../../firmware/mime/index.ts';

describe('parseAddressList', () => {
  test('name-addr, addr-spec, quoted names with commas and escapes', () => {
    assert.deepEqual(parseAddressList('John Q. Public <jqp@example.com>, "Smith, \\"Jo\\"" <jo@x.org>, plain@y.net'), [
      { name: 'John Q. Public', mailbox: 'jqp', host: 'example.com' },
      { name: 'Smith, "Jo"', mailbox: 'jo', host: 'x.org' },
      { mailbox: 'plain', host: 'y.net' },
    ]);
  });

  test('comments name a bare address; comments inside a phrase do not', () => {
    assert.deepEqual(parseAddressList('a@b.c (Alice A.)'), [{ name: 'Alice A.', mailbox: 'a', host: 'b.c' }]);
    assert.deepEqual(parseAddressList('Bob (work) <bob@b.c>'), [{ name: 'Bob', mailbox: 'bob', host: 'b.c' }]);
  });

  test('groups, empty groups, and a group followed by more addresses', () => {
    assert.deepEqual(parseAddressList('undisclosed-recipients:;'), [{ group: 'undisclosed-recipients', members: [] }]);
    assert.deepEqual(parseAddressList('Team: a@x.y, B <b@x.y>; c@x.y'), [
      {
        group: 'Team',
        members: [
          { mailbox: 'a', host: 'x.y' },
          { name: 'B', mailbox: 'b', host: 'x.y' },
        ],
      },
      { mailbox: 'c', host: 'x.y' },
    ]);
  });

  test('encoded words stay raw unless decoding is asked for', () => {
    const raw = '=?utf-8?Q?J=C3=B6rg?= <j@x.de>, "=?utf-8?B?w5w=?=" <u@x.de>';
    assert.equal((parseAddressList(raw)[0] as { name: string }).name, '=?utf-8?Q?J=C3=B6rg?=');
    assert.deepEqual(
      parseAddressList(raw, { decode: true }).map((a) => ('name' in a ? a.name : '')),
      ['Jörg', 'Ü'],
    );
  });

  test('obsolete routes, quoted local parts, domain literals', () => {
    assert.deepEqual(parseAddressList('<@r1.example,@r2.example:u@h.example>'), [
      { route: '@r1.example,@r2.example', mailbox: 'u', host: 'h.example' },
    ]);
    assert.deepEqual(parseAddressList('"john doe"@example.com'), [{ mailbox: '"john doe"', host: 'example.com' }]);
    assert.deepEqual(parseAddressList('u@[192.0.2.1]'), [{ mailbox: 'u', host: '[192.0.2.1]' }]);
  });

  test('broken input gives what can be read and never throws', () => {
    assert.deepEqual(parseAddressList('"Unclosed <u@x.y>'), [{ name: 'Unclosed', mailbox: 'u', host: 'x.y' }]);
    assert.deepEqual(parseAddressList('<a@b.c'), [{ mailbox: 'a', host: 'b.c' }]);
    assert.deepEqual(parseAddressList('<a@b.c, d@e.f'), [
      { mailbox: 'a', host: 'b.c' },
      { mailbox: 'd', host: 'e.f' },
    ]);
    assert.deepEqual(parseAddressList('nobody'), [{ mailbox: 'nobody' }]);
    assert.deepEqual(parseAddressList(',,,'), []);
    assert.deepEqual(parseAddressList(''), []);
    for (const junk of ['<<<>>>', '"', '(', ':;:;', '@@@', 'a@', '@b', '<>', '((a)', 'x: y: z;;']) {
      assert.ok(Array.isArray(parseAddressList(junk)), junk);
    }
  });
});

describe('parseAddressList stays linear', () => {
  test('30,000 addresses, closed and unclosed', () => {
    const closed = Array.from({ length: 30_000 }, (_, i) => `<u${i}@x.y>`).join(', ');
    assert.equal(parseAddressList(closed).length, 30_000);
    const unclosed = Array.from({ length: 30_000 }, (_, i) => `<u${i}@x.y`).join(', ');
    assert.equal(parseAddressList(unclosed).length, 30_000);
  });
});
