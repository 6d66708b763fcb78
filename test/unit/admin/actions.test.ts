// Admin actions against a real store on disk, in-process (as the web UI calls them).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccountView, AdminDeps, DomainView, SettingView, StatusView } from '../../../firmware/admin/actions.ts';
import { runAdminAction } from '../../../firmware/admin/actions.ts';
import { storeAddresses, storePasswords } from '../../../firmware/admin/store-tools.ts';
import { readSettings } from '../../../firmware/config/settings.ts';
import { type ErrorCode, isPochtaError } from '../../../firmware/errors.ts';
import { openStore, verifyPassword } from '../../../firmware/store/index.ts';
import type { Alias, MailStore, StoreEvent } from '../../../firmware/store/types.ts';

const PASSWORD = 'Plenty-Long-Passphrase-9';
let dir: string;
let store: MailStore;
let deps: AdminDeps;
let clock = 1_700_000_000_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-admin-'));
  store = await openStore({ dir, now: () => clock });
  deps = {
    store,
    config: { dev: true, dataDir: dir, hostname: 'mx.example.test' },
    passwords: storePasswords,
    addresses: storeAddresses,
    listeners: () => [
      { name: 'web', state: 'running', since: clock - 5000, startedAt: clock - 5000, restarts: 2, lastError: 'probe failed' },
    ],
    version: '9.9.9',
    now: () => clock,
    startedAt: clock - 60_000,
  };
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const run = <T>(action: string, params: Record<string, unknown> = {}) => runAdminAction(deps, action, params) as Promise<T>;

async function rejects(action: string, params: Record<string, unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(run(action, params), (err: unknown) => {
    assert.ok(isPochtaError(err, code), `${action}: expected ${code}, got ${String(err)}`);
    if (message) assert.match(err.detail, message);
    return true;
  });
}

describe('admin actions on a real store', () => {
  it('adds domains (showing the DKIM record, never the private key), refuses bad and duplicate ones', async () => {
    const domain = await run<DomainView>('domain.add', { name: 'Example.Test.' });
    assert.equal(domain.name, 'example.test');
    assert.equal(JSON.stringify(domain).includes('PRIVATE'), false);
    if (domain.dkim) assert.match(domain.dkim.name, /\._domainkey\.example\.test$/);
    await rejects('domain.add', { name: 'example.test' }, 'ALREADY_EXISTS');
    await rejects('domain.add', { name: 'exa mple' }, 'INVALID_DOMAIN', /not a valid domain/);
    await rejects('domain.add', {}, 'INVALID_ARGUMENT', /^name: expected a non-empty string/);
    assert.deepEqual(
      (await run<DomainView[]>('domain.list')).map((d) => d.name),
      ['example.test'],
    );
  });

  it('adds users with a hashed password and rejects weak passwords, duplicates and unknown domains', async () => {
    const alice = await run<AccountView>('user.add', {
      address: 'Alice@Example.test',
      password: PASSWORD,
      displayName: 'Alice',
      quota: '1G',
    });
    assert.equal(alice.address, 'alice@example.test');
    assert.equal(alice.quotaBytes, 1024 ** 3);
    assert.equal('passwordHash' in alice, false);
    const stored = await store.findAccount('alice@example.test');
    assert.ok(stored && (await verifyPassword(PASSWORD, stored.passwordHash)));
    assert.notEqual(stored.passwordHash.includes(PASSWORD), true);
    await rejects('user.add', { address: 'alice@example.test', password: PASSWORD }, 'ALREADY_EXISTS', /already exists/);
    await rejects('user.add', { address: 'bob@example.test', password: '123' }, 'WEAK_PASSWORD');
    await rejects('user.add', { address: 'bob@unknown.test', password: PASSWORD }, 'UNKNOWN_DOMAIN', /pochta domain add unknown\.test/);
    await rejects('user.add', { address: 'bob', password: PASSWORD }, 'INVALID_ADDRESS');
    await run('user.add', { address: 'bob@example.test', password: PASSWORD });
    assert.deepEqual((await run<AccountView[]>('user.list', { domain: 'example.test' })).map((u) => u.address).sort(), [
      'alice@example.test',
      'bob@example.test',
    ]);
  });

  it('changes passwords, quotas and the enabled flag, and reports unknown users', async () => {
    await run('user.passwd', { address: 'bob@example.test', password: 'Brand-New-Secret-77' });
    const bob = await store.findAccount('bob@example.test');
    assert.ok(bob && (await verifyPassword('Brand-New-Secret-77', bob.passwordHash)));
    await rejects('user.passwd', { address: 'bob@example.test', password: 'bob' }, 'WEAK_PASSWORD');
    assert.equal((await run<AccountView>('user.quota', { address: 'bob@example.test', quota: '500M' })).quotaBytes, 500 * 1024 ** 2);
    assert.equal((await run<AccountView>('user.quota', { address: 'bob@example.test', quota: 0 })).quotaBytes, 0);
    await rejects('user.quota', { address: 'bob@example.test', quota: '-1' }, 'INVALID_ARGUMENT');
    assert.equal((await run<AccountView>('user.disable', { address: 'bob@example.test' })).enabled, false);
    assert.equal((await store.findAccount('bob@example.test'))?.enabled, false);
    assert.equal((await run<AccountView>('user.enable', { address: 'bob@example.test' })).enabled, true);
    await rejects('user.show', { address: 'nobody@example.test' }, 'UNKNOWN_USER', /no user nobody@example\.test/);
    await rejects('user.remove', { address: 'nobody@example.test' }, 'UNKNOWN_USER');
  });

  it('manages aliases, distribution lists and catch-alls that the store resolves', async () => {
    await run<Alias>('alias.add', { address: 'sales@example.test', targets: ['alice@example.test'] });
    const list = await run<Alias>('alias.add', { address: 'sales@example.test', targets: ['bob@example.test', 'alice@example.test'] });
    assert.deepEqual(list.targets, ['alice@example.test', 'bob@example.test'], 'merged without duplicates');
    await run('alias.add', { address: '@example.test', targets: ['alice@example.test'] });
    const resolved = await store.resolveRecipient('whoever@example.test');
    assert.equal(resolved?.accountIds.length, 1);
    await rejects('alias.add', { address: 'bob@example.test', targets: ['alice@example.test'] }, 'ALREADY_EXISTS');
    await rejects('user.add', { address: 'sales@example.test', password: PASSWORD }, 'ALREADY_EXISTS', /alias/);
    await rejects('alias.add', { address: 'x@other.test', targets: ['alice@example.test'] }, 'UNKNOWN_DOMAIN');
    await rejects('alias.add', { address: 'x@example.test', targets: [] }, 'INVALID_ARGUMENT');
    await rejects('alias.remove', { address: 'sales@example.test', targets: ['carol@example.test'] }, 'NOT_FOUND', /does not forward/);
    assert.deepEqual((await run<Alias>('alias.remove', { address: 'sales@example.test', targets: ['bob@example.test'] })).targets, [
      'alice@example.test',
    ]);
    await run('alias.remove', { address: '@example.test' });
    assert.deepEqual(
      (await run<Alias[]>('alias.list')).map((a) => a.address),
      ['sales@example.test'],
    );
  });

  it('lists, gets and sets settings: validated, stored in one batch, announced, secrets masked', async () => {
    const events: StoreEvent[] = [];
    const unsubscribe = store.subscribe((e) => events.push(e));
    await run('settings.set', { values: { 'dnsbl.threshold': 2, 'limits.messageSize': '10M' } });
    unsubscribe();
    assert.ok(events.some((e) => e.type === 'settings-changed' && e.keys.includes('dnsbl.threshold')));
    const settings = await readSettings(store, { dev: true });
    assert.equal(settings['dnsbl.threshold'], 2);
    assert.equal(settings['limits.messageSize'], 10 * 1024 ** 2);

    await run('settings.set', { key: 'relay.smarthost', value: { host: 'smtp.isp.test', user: 'u', password: 'isp-pass-1' } });
    const shown = await run<SettingView>('settings.get', { key: 'relay.smarthost' });
    assert.deepEqual(shown.value, { host: 'smtp.isp.test', port: 587, tls: 'starttls', user: 'u', password: '********' });
    const all = await run<SettingView[]>('settings.list');
    assert.equal(JSON.stringify(all).includes('isp-pass-1'), false);
    assert.equal(all.find((s) => s.key === 'dnsbl.threshold')?.isDefault, false);
    assert.equal(all.find((s) => s.key === 'dnsbl.zones')?.isDefault, true);
    // The web UI sends the mask back unchanged: the stored password stays.
    await run('settings.set', { key: 'relay.smarthost', value: { host: 'smtp2.isp.test', user: 'u', password: '********' } });
    assert.equal((await readSettings(store, { dev: true }))['relay.smarthost']?.password, 'isp-pass-1');

    await rejects(
      'settings.set',
      { values: { 'dnsbl.threshold': 3, 'dnsbl.rejectAt': 'data' } },
      'BAD_SETTING',
      /^dnsbl\.rejectAt: expected "connect" or "rcpt"/,
    );
    assert.equal((await readSettings(store, { dev: true }))['dnsbl.threshold'], 2, 'nothing of a failed change is stored');
    await rejects('settings.get', { key: 'nope' }, 'UNKNOWN_SETTING');
    await rejects('settings.set', { key: 'relay.trustedNetworks' }, 'BAD_SETTING', /expected a value/);
    await run('settings.unset', { key: 'dnsbl.threshold' });
    assert.equal((await readSettings(store, { dev: true }))['dnsbl.threshold'], 1);
  });

  it('reports status, runs fsck and backup', async () => {
    clock += 1000;
    const status = await run<StatusView>('status');
    assert.equal(status.version, '9.9.9');
    assert.equal(status.uptimeMs, 61_000);
    assert.deepEqual(
      status.listeners.map((l) => [l.name, l.state, l.restarts, l.lastError]),
      [['web', 'running', 2, 'probe failed']],
    );
    assert.equal(status.store.accounts, 2);
    assert.deepEqual((await run<{ problems: unknown[] }>('fsck')).problems, []);
    const backupDir = join(dir, '..', `${dir.split('/').pop()}-backup`);
    try {
      const result = await run<{ files: number }>('backup', { dir: backupDir });
      assert.equal(typeof result.files, 'number');
      await rejects('backup', { dir: 'relative/dir' }, 'INVALID_ARGUMENT', /absolute/);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  });

  it('removes users and domains in order', async () => {
    await rejects('domain.remove', { name: 'example.test' }, 'DOMAIN_IN_USE');
    await run('alias.remove', { address: 'sales@example.test' });
    await run('user.remove', { address: 'alice@example.test' });
    await run('user.remove', { address: 'bob@example.test' });
    await run('domain.remove', { name: 'example.test' });
    await rejects('domain.remove', { name: 'example.test' }, 'UNKNOWN_DOMAIN');
    await rejects('no.such.action', {}, 'INVALID_ARGUMENT', /unknown admin action/);
  });
});
