import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrMatcher, parseHostPort } from '../../../firmware/config/address.ts';
import {
  MASK,
  prepareSettingsChange,
  readSettings,
  SETTING_KEYS,
  SETTINGS,
  settingsFromValues,
  validateSetting,
  watchSettings,
} from '../../../firmware/config/settings.ts';
import { formatSize, parseSize } from '../../../firmware/config/size.ts';
import { isPochtaError } from '../../../firmware/errors.ts';
import type { StoreEvent } from '../../../firmware/store/types.ts';

function badSetting(key: string, value: unknown): string {
  try {
    validateSetting(key, value);
  } catch (err) {
    assert.ok(isPochtaError(err, 'BAD_SETTING'), `${key}: expected BAD_SETTING, got ${String(err)}`);
    return err.detail;
  }
  assert.fail(`${key} accepted ${JSON.stringify(value)}`);
}

describe('runtime settings', () => {
  it('has every key scripts rely on, each with a description and a valid default', () => {
    for (const key of [
      'relay.trustedNetworks',
      'relay.smarthost',
      'dnsbl.zones',
      'dnsbl.threshold',
      'dnsbl.allow',
      'dnsbl.rejectAt',
      'dnsbl.timeoutMs',
      'dns.servers',
      'dmarc.enforceReject',
      'limits.messageSize',
      'limits.recipientsPerMessage',
      'limits.connectionsPerIp',
      'limits.connectionsTotal',
      'limits.messagesPerMinutePerIp',
      'limits.authFailuresPerIp',
      'queue.lifetimeHours',
      'queue.delayNoticeHours',
      'setup.done',
    ]) {
      assert.ok(SETTING_KEYS.includes(key as never), key);
    }
    for (const key of SETTING_KEYS) {
      const spec = SETTINGS[key];
      assert.ok(spec.description.length > 10, key);
      for (const dev of [true, false]) assert.deepEqual(validateSetting(key, spec.default({ dev })), spec.default({ dev }), key);
    }
  });

  it('has the documented defaults', () => {
    const s = settingsFromValues({}, { dev: true });
    assert.deepEqual(s['relay.trustedNetworks'], ['127.0.0.1/32', '::1/128']);
    assert.equal(s['relay.smarthost'], null);
    assert.deepEqual(
      s['dnsbl.zones'].map((z) => z.zone),
      ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'],
    );
    assert.equal(s['dnsbl.timeoutMs'], 2000);
    assert.equal(s['dnsbl.rejectAt'], 'connect');
    assert.deepEqual(s['dns.servers'], []);
    assert.equal(s['queue.lifetimeHours'], 120);
    assert.equal(s['queue.delayNoticeHours'], 4);
    assert.equal(s['setup.done'], false);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s['dnsbl.zones']));
  });

  it('normalises good values', () => {
    assert.deepEqual(validateSetting('relay.trustedNetworks', ['192.168.1.0/24', 'fd00::/8', '10.0.0.7']), [
      '192.168.1.0/24',
      'fd00::/8',
      '10.0.0.7/32',
    ]);
    assert.deepEqual(validateSetting('relay.trustedNetworks', '192.168.1.0/24'), ['192.168.1.0/24']);
    assert.deepEqual(validateSetting('relay.smarthost', 'smtp.isp.example:587'), { host: 'smtp.isp.example', port: 587, tls: 'starttls' });
    assert.deepEqual(validateSetting('relay.smarthost', { host: 'smtp.isp.example', port: 465, user: 'u', password: 'p' }), {
      host: 'smtp.isp.example',
      port: 465,
      tls: 'implicit',
      user: 'u',
      password: 'p',
    });
    assert.equal(validateSetting('relay.smarthost', null), null);
    assert.deepEqual(validateSetting('dnsbl.zones', ['zen.spamhaus.org', { zone: 'dnsbl.test', weight: 0.5, codes: ['127.0.0.2'] }]), [
      { zone: 'zen.spamhaus.org', weight: 1 },
      { zone: 'dnsbl.test', weight: 0.5, codes: ['127.0.0.2'] },
    ]);
    assert.deepEqual(validateSetting('dnsbl.allow', ['10.0.0.0/8', 'mail.example.com', '*.example.org']), [
      '10.0.0.0/8',
      'mail.example.com',
      '*.example.org',
    ]);
    assert.deepEqual(validateSetting('dns.servers', ['127.0.0.1:5353', '::1', '[::1]:53', '9.9.9.9']), [
      '127.0.0.1:5353',
      '[::1]:53',
      '[::1]:53',
      '9.9.9.9:53',
    ]);
    assert.equal(validateSetting('limits.messageSize', '50M'), 50 * 1024 * 1024);
    assert.equal(validateSetting('limits.messageSize', 2048), 2048);
    assert.equal(validateSetting('dmarc.enforceReject', 'false'), false);
    assert.equal(validateSetting('limits.connectionsPerIp', '20'), 20);
  });

  it('names the key and what is expected for bad values', () => {
    const cases: [string, unknown, RegExp][] = [
      ['relay.trustedNetworks', ['192.168.1.0/33'], /^relay.trustedNetworks\[0\]: expected a CIDR block/],
      ['relay.trustedNetworks', 5, /^relay.trustedNetworks: expected a list of CIDR blocks, got 5/],
      ['relay.smarthost', { host: 'smtp.isp.example', port: 0 }, /^relay.smarthost.port: expected an integer from 1 to 65535, got 0/],
      ['relay.smarthost', { host: 'smtp.isp.example', tls: 'ssl' }, /^relay.smarthost.tls: expected "implicit", "starttls" or "none"/],
      ['relay.smarthost', { host: 'smtp.isp.example', user: 'u' }, /^relay.smarthost: user and password go together/],
      ['relay.smarthost', { host: 'smtp.isp.example', pass: 'x' }, /^relay.smarthost.pass: unknown field/],
      ['relay.smarthost', { port: 25 }, /^relay.smarthost.host: is required/],
      ['relay.smarthost', 42, /^relay.smarthost: expected an object/],
      ['dnsbl.zones', [{ zone: 'nodot' }], /^dnsbl.zones\[0\].zone: expected a DNS zone/],
      ['dnsbl.zones', [{ zone: 'a.b', weight: 'x' }], /^dnsbl.zones\[0\].weight: expected a number/],
      ['dnsbl.zones', [{ zone: 'a.b', codes: ['127.0.0.300'] }], /^dnsbl.zones\[0\].codes\[0\]: expected an IPv4 answer code/],
      ['dnsbl.threshold', 0, /^dnsbl.threshold: expected a number above 0, got 0/],
      ['dnsbl.allow', ['not a host'], /^dnsbl.allow\[0\]: expected a CIDR block \(10.0.0.0\/8\) or a host name/],
      ['dnsbl.rejectAt', 'data', /^dnsbl.rejectAt: expected "connect" or "rcpt", got "data"/],
      ['dnsbl.timeoutMs', 50, /^dnsbl.timeoutMs: expected an integer from 100 to 30000, got 50/],
      ['dns.servers', ['dns.google'], /^dns.servers\[0\]: expected a DNS server as IP or IP:PORT/],
      ['dmarc.enforceReject', 'yes', /^dmarc.enforceReject: expected true or false, got "yes"/],
      ['limits.messageSize', '10Q', /^limits.messageSize: expected a size from 1024 to \d+ bytes \(e.g. 25M\), got "10Q"/],
      ['limits.recipientsPerMessage', 0, /^limits.recipientsPerMessage: expected an integer from 1/],
      ['limits.connectionsPerIp', 1.5, /^limits.connectionsPerIp: expected an integer/],
      ['limits.connectionsTotal', -1, /^limits.connectionsTotal: expected an integer/],
      ['limits.messagesPerMinutePerIp', 'many', /^limits.messagesPerMinutePerIp: expected an integer/],
      ['limits.authFailuresPerIp', null, /^limits.authFailuresPerIp: expected an integer/],
      ['queue.lifetimeHours', 0, /^queue.lifetimeHours: expected an integer from 1 to 720/],
      ['queue.delayNoticeHours', -4, /^queue.delayNoticeHours: expected an integer from 0 to 720/],
      ['setup.done', 1, /^setup.done: expected true or false/],
    ];
    for (const [key, value, pattern] of cases) assert.match(badSetting(key, value), pattern);
  });

  it('refuses unknown keys, naming the keys of the same group', () => {
    assert.throws(
      () => validateSetting('limits.size', 1),
      (err: unknown) => isPochtaError(err, 'UNKNOWN_SETTING') && /limits.messageSize/.test(err.detail),
    );
  });

  it('masks the smarthost password and keeps the stored one when the mask comes back', () => {
    const stored = { 'relay.smarthost': { host: 'smtp.isp.example', port: 587, tls: 'starttls', user: 'u', password: 's3cret' } };
    const shown = settingsFromValues(stored, { dev: false })['relay.smarthost'];
    assert.equal(shown?.password, 's3cret', 'listeners read the real value');
    const change = prepareSettingsChange({ 'relay.smarthost': { host: 'smtp2.isp.example', user: 'u', password: MASK } }, stored);
    assert.equal((change['relay.smarthost'] as { password: string }).password, 's3cret');
    assert.throws(() => prepareSettingsChange({ 'relay.smarthost': { host: 'x.example', user: 'u', password: MASK } }, {}), /got the mask/);
  });

  it('reads defaults for missing or no longer valid stored values, and follows settings-changed events', async () => {
    const values: Record<string, unknown> = { 'dnsbl.threshold': 3, 'dnsbl.timeoutMs': 'bogus' };
    const listeners = new Set<(e: StoreEvent) => void>();
    let failNext = false;
    const store = {
      listSettings: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('store closed for a moment');
        }
        return { ...values };
      },
      subscribe: (fn: (e: StoreEvent) => void) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    const first = await readSettings(store, { dev: true });
    assert.equal(first['dnsbl.threshold'], 3);
    assert.equal(first['dnsbl.timeoutMs'], 2000);
    const seen: number[] = [];
    const errors: unknown[] = [];
    const changed = new Promise<void>((resolve) => {
      const stop = watchSettings(
        store,
        { dev: true },
        (s, keys) => {
          assert.deepEqual(keys, ['dnsbl.threshold']);
          seen.push(s['dnsbl.threshold']);
          stop();
          resolve();
        },
        (err) => errors.push(err),
      );
    });
    values['dnsbl.threshold'] = 5;
    failNext = true;
    for (const fn of listeners) fn({ type: 'flags-changed', accountId: 'a', mailboxId: 'm', changes: [] });
    // The first read fails (reported), the second still happens.
    for (const fn of listeners) fn({ type: 'settings-changed', keys: ['dnsbl.threshold'] });
    for (const fn of listeners) fn({ type: 'settings-changed', keys: ['dnsbl.threshold'] });
    await changed;
    assert.deepEqual(seen, [5]);
    assert.equal(errors.length, 1);
    assert.equal(listeners.size, 0, 'unsubscribed');
  });
});

describe('sizes and addresses', () => {
  it('parses and formats sizes', () => {
    assert.equal(parseSize('500M'), 500 * 1024 ** 2);
    assert.equal(parseSize('2G'), 2 * 1024 ** 3);
    assert.equal(parseSize('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('10KB'), 10240);
    assert.equal(parseSize('0'), 0);
    assert.equal(parseSize('lots'), undefined);
    assert.equal(parseSize(-1), undefined);
    assert.equal(formatSize(500 * 1024 ** 2), '500M');
    assert.equal(formatSize(1.5 * 1024 ** 3), '1.5G');
    assert.equal(formatSize(100), '100');
  });

  it('parses HOST:PORT and matches CIDR lists, IPv4-mapped peers included', () => {
    assert.deepEqual(parseHostPort('[::1]:25'), { host: '::1', port: 25 });
    assert.deepEqual(parseHostPort('mail.example.com:25'), { host: 'mail.example.com', port: 25 });
    assert.equal(typeof parseHostPort('[zz]:25'), 'string');
    const trusted = cidrMatcher(['192.168.1.0/24', '::1/128']);
    assert.equal(trusted('192.168.1.77'), true);
    assert.equal(trusted('::ffff:192.168.1.77'), true);
    assert.equal(trusted('192.168.2.1'), false);
    assert.equal(trusted('::1'), true);
    assert.equal(trusted('127.0.0.9'), false);
  });
});
