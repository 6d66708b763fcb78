import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AddressProblem,
  checkRecipientAddress,
  checkSenderAddress,
  normaliseAddress,
} from '../../../firmware/filters/address-policy.ts';

describe('recipient address policy', () => {
  // Every open-relay trick, in the forms seen in relay tests (e.g. Postfix's and rlytest's lists).
  const tricks: [string, AddressProblem][] = [
    ['user%other.test@example.test', 'percent-hack'],
    ['<user%other.test@example.test>', 'percent-hack'],
    ['user%other.test%third.test@example.test', 'percent-hack'],
    ['"user@other.test"@example.test', 'quoted-routing'],
    ['"user%other.test"@example.test', 'quoted-routing'],
    ['"other.test!user"@example.test', 'quoted-routing'],
    ['"@other.test:user"@example.test', 'quoted-routing'],
    ['"user\\@other.test"@example.test', 'quoted-routing'],
    ['@example.test:user@other.test', 'source-route'],
    ['<@example.test:user@other.test>', 'source-route'],
    ['<@a.test,@example.test:user@other.test>', 'source-route'],
    ['user@other.test@example.test', 'multiple-at'],
    ['<user@other.test@example.test>', 'multiple-at'],
    ['other.test!user@example.test', 'bang-path'],
    ['other.test!third.test!user@example.test', 'bang-path'],
    ['user@[192.0.2.1]', 'address-literal'],
    ['user@[IPv6:2001:db8::1]', 'address-literal'],
  ];
  for (const [address, problem] of tricks) {
    it(`refuses ${address} (${problem}) with 554 5.7.1`, () => {
      const r = checkRecipientAddress(address);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem, problem);
      assert.equal(r.verdict.kind, 'reject');
      if (r.verdict.kind === 'reject') {
        assert.equal(r.verdict.code, 554);
        assert.equal(r.verdict.enhanced, '5.7.1');
        assert.match(r.verdict.text, /^Relay denied/);
      }
    });
  }

  const syntax: [string, AddressProblem][] = [
    ['', 'empty'],
    ['<>', 'empty'],
    ['user', 'syntax'],
    ['user@', 'syntax'],
    ['@example.test', 'source-route'],
    ['us er@example.test', 'syntax'],
    ['user@exa mple.test', 'syntax'],
    ['user@example..test', 'syntax'],
    ['user@-example.test', 'syntax'],
    ['.user@example.test', 'syntax'],
    ['user.@example.test', 'syntax'],
    ['us..er@example.test', 'syntax'],
    ['user\r\n@example.test', 'syntax'],
    ['"unterminated@example.test', 'syntax'],
    ['""@example.test', 'syntax'],
    ['user(comment)@example.test', 'syntax'],
    [`${'a'.repeat(65)}@example.test`, 'too-long'],
    [`user@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.test`, 'too-long'],
  ];
  for (const [address, problem] of syntax) {
    it(`refuses ${JSON.stringify(address).slice(0, 40)} as ${problem} with 553`, () => {
      const r = checkRecipientAddress(address);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem, problem);
      if (r.verdict.kind === 'reject' && problem !== 'source-route') assert.equal(r.verdict.code, 553);
    });
  }

  const good: [string, string][] = [
    ['user@example.test', 'user@example.test'],
    ['<User@Example.TEST>', 'user@example.test'],
    ['first.last+tag@example.test', 'first.last+tag@example.test'],
    ["o'brien@example.test", "o'brien@example.test"],
    ['user@example.test.', 'user@example.test'],
    ['"user"@example.test', 'user@example.test'],
    ['"john doe"@example.test', '"john doe"@example.test'],
    ['user@bücher.example', 'user@xn--bcher-kva.example'],
    ['postmaster@localhost', 'postmaster@localhost'],
    [`${'a'.repeat(64)}@example.test`, `${'a'.repeat(64)}@example.test`],
  ];
  for (const [input, normal] of good) {
    it(`accepts ${input} as ${normal}`, () => {
      const r = checkRecipientAddress(input);
      assert.equal(r.ok, true, JSON.stringify(r));
      if (!r.ok) return;
      assert.equal(r.address, normal);
      assert.equal(`${r.local}@${r.domain}`, normal);
      assert.equal(normaliseAddress(input), normal);
    });
  }

  it('accepts the null sender for MAIL FROM only', () => {
    assert.deepEqual(checkSenderAddress('<>'), { ok: true, address: '', local: '', domain: '' });
    assert.deepEqual(checkSenderAddress(''), { ok: true, address: '', local: '', domain: '' });
    assert.equal(checkRecipientAddress('<>').ok, false);
    const bad = checkSenderAddress('nobody');
    assert.equal(bad.ok, false);
    if (!bad.ok && bad.verdict.kind === 'reject') assert.equal(bad.verdict.enhanced, '5.1.7');
    const trick = checkSenderAddress('a%b@example.test');
    assert.equal(!trick.ok && trick.problem, 'percent-hack');
    assert.equal(normaliseAddress('a!b@example.test'), undefined);
  });
});
