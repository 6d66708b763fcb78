import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPasswordStrength,
  hashPassword,
  isValidAddress,
  isValidDomain,
  normalizeAddress,
  verifyPassword,
} from '../../../firmware/store/index.ts';

describe('addresses', () => {
  it('normalizes case and IDNA domains', () => {
    assert.equal(normalizeAddress('  Alice.Smith@Example.COM '), 'alice.smith@example.com');
    assert.equal(normalizeAddress('Bob@Bücher.Example'), 'bob@xn--bcher-kva.example');
    assert.equal(normalizeAddress('@Example.com'), '@example.com');
  });

  it('accepts ordinary addresses', () => {
    for (const ok of ['a@example.com', 'first.last+tag@mail.example.org', "o'brien@example.com", 'x_y-z@a-b.example']) {
      assert.ok(isValidAddress(ok), ok);
    }
  });

  it('rejects quoted local parts, %, !, a second @, route syntax and bad dots', () => {
    for (const bad of [
      '"john doe"@example.com',
      'user%other@example.com',
      'bang!path@example.com',
      'a@b@example.com',
      '@relay.example:user@example.com',
      '.dot@example.com',
      'dot.@example.com',
      'two..dots@example.com',
      'nodomain',
      'user@',
      '@example.com',
      `${'x'.repeat(65)}@example.com`,
    ]) {
      assert.equal(isValidAddress(bad), false, bad);
    }
  });

  it('checks domains', () => {
    assert.ok(isValidDomain('example.com'));
    assert.ok(isValidDomain('Mail.Example.co.uk'));
    assert.ok(isValidDomain('xn--bcher-kva.example'));
    for (const bad of ['localhost', '-bad.example', 'bad-.example', 'a..b', '192.168.1.1', 'under_score.example', '']) {
      assert.equal(isValidDomain(bad), false, bad);
    }
  });
});

describe('passwords', () => {
  it('hashes with scrypt and verifies in the PHC-like form', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.match(hash, /^\$scrypt\$ln=\d+,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
    assert.notEqual(await hashPassword('correct horse battery'), hash, 'a fresh salt each time');
  });

  it('never verifies against a malformed hash', async () => {
    assert.equal(await verifyPassword('x', ''), false);
    assert.equal(await verifyPassword('x', '$scrypt$ln=14,r=8,p=1$abc$'), false);
    assert.equal(await verifyPassword('x', 'plaintext'), false);
  });

  it('explains weak passwords in plain words', () => {
    assert.match(checkPasswordStrength('short') ?? '', /at least 10 characters/);
    assert.match(checkPasswordStrength('aaaaaaaaaaaa') ?? '', /repeated/);
    assert.match(checkPasswordStrength('alice.smith2026', 'alice.smith@example.com') ?? '', /mail address/);
    assert.match(checkPasswordStrength('Password123') ?? '', /common/);
    assert.equal(checkPasswordStrength('tulip-lantern-river', 'alice@example.com'), undefined);
  });
});
