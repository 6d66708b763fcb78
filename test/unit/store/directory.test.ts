// Domains, accounts, aliases, recipient resolution, settings and the queue.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import type { StoreEvent } from '../../../firmware/store/types.ts';
import { body, HASH, type TestStore, tempStore } from './helpers.ts';

const code = (c: string) => (err: unknown) => isPochtaError(err) && err.code === c;

describe('domains and accounts', () => {
  let t: TestStore;
  before(async () => {
    t = await tempStore({ now: () => Date.UTC(2026, 10, 27) });
  });
  after(() => t.cleanup());

  it('adds a domain with a DKIM key and refuses duplicates and bad names', async () => {
    const domain = await t.store.addDomain('Example.COM');
    assert.equal(domain.name, 'example.com');
    assert.equal(domain.dkim?.selector, 'pochta2026');
    assert.match(domain.dkim?.privateKeyPem ?? '', /BEGIN PRIVATE KEY/);
    assert.ok((domain.dkim?.publicKeyBase64.length ?? 0) > 300, 'RSA 2048 public key');
    await assert.rejects(t.store.addDomain('example.com'), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.addDomain('not a domain'), code('INVALID_DOMAIN'));
    assert.deepEqual(
      (await t.store.listDomains()).map((d) => d.name),
      ['example.com'],
    );
    assert.equal((await t.store.getDomain('EXAMPLE.com'))?.name, 'example.com');
    assert.equal(await t.store.getDomain('other.example'), undefined);
  });

  it('creates an account with its special-use folders', async () => {
    const account = await t.store.createAccount({ address: 'Alice@Example.com', displayName: 'Alice', passwordHash: HASH });
    assert.equal(account.address, 'alice@example.com');
    assert.equal(account.usedBytes, 0);
    assert.equal(account.quotaBytes, 0);
    assert.equal(account.enabled, true);
    const boxes = await t.store.listMailboxes(account.id);
    const byName = new Map(boxes.map((m) => [m.name, m]));
    assert.deepEqual([...byName.keys()].sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    assert.equal(byName.get('Sent')?.specialUse, '\\Sent');
    assert.equal(byName.get('Junk')?.specialUse, '\\Junk');
    assert.equal(byName.get('INBOX')?.specialUse, undefined);
    assert.equal(new Set(boxes.map((m) => m.uidValidity)).size, 6, 'UIDVALIDITY unique per mailbox');
    assert.equal(new Set(boxes.map((m) => m.id)).size, 6);
    assert.ok(boxes.every((m) => m.subscribed && m.uidNext === 1 && m.messages === 0));
    assert.equal((await t.store.findAccount('ALICE@example.com'))?.id, account.id);
    assert.deepEqual(await t.store.getAccount(account.id), account);
  });

  it('refuses duplicate, invalid and foreign addresses', async () => {
    await assert.rejects(t.store.createAccount({ address: 'alice@example.com', passwordHash: HASH }), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.createAccount({ address: 'bad%addr@example.com', passwordHash: HASH }), code('INVALID_ADDRESS'));
    await assert.rejects(t.store.createAccount({ address: 'bob@elsewhere.example', passwordHash: HASH }), code('UNKNOWN_DOMAIN'));
  });

  it('updates and lists accounts, and deleting a domain in use is refused', async () => {
    const alice = await t.store.findAccount('alice@example.com');
    assert.ok(alice);
    const updated = await t.store.updateAccount(alice.id, { displayName: 'Alice S.', quotaBytes: 5000, enabled: false });
    assert.equal(updated.displayName, 'Alice S.');
    assert.equal(updated.quotaBytes, 5000);
    assert.equal(updated.enabled, false);
    await assert.rejects(t.store.updateAccount(alice.id, { quotaBytes: -1 }), code('INVALID_ARGUMENT'));
    await assert.rejects(t.store.updateAccount('nope', { displayName: 'x' }), code('NOT_FOUND'));
    assert.deepEqual(
      (await t.store.listAccounts('example.com')).map((a) => a.address),
      ['alice@example.com'],
    );
    assert.deepEqual(await t.store.listAccounts('other.example'), []);
    await assert.rejects(t.store.removeDomain('example.com'), code('DOMAIN_IN_USE'));
  });

  it('deletes an account with its mailboxes and messages, releasing bodies', async () => {
    const bob = await t.store.createAccount({ address: 'bob@example.com', passwordHash: HASH });
    const inbox = await t.store.getMailbox(bob.id, 'INBOX');
    assert.ok(inbox);
    const delivered = await t.store.deliver({ recipients: [{ accountId: bob.id }], body: body('for bob only') });
    assert.ok(await t.store.readBody(delivered.blobId));
    await t.store.deleteAccount(bob.id);
    assert.equal(await t.store.getAccount(bob.id), undefined);
    assert.equal(await t.store.findAccount('bob@example.com'), undefined);
    assert.deepEqual(await t.store.listMailboxes(bob.id), []);
    assert.equal(await t.store.getMailboxById(inbox.id), undefined);
    assert.deepEqual(await t.store.listMessages(inbox.id), []);
    assert.equal(await t.store.readBody(delivered.blobId), undefined, 'body file removed with its last reference');
    await assert.rejects(t.store.deleteAccount(bob.id), code('NOT_FOUND'));
    assert.deepEqual((await t.store.fsck()).problems, []);
  });

  it('removes an unused domain', async () => {
    await t.store.addDomain('spare.example');
    await t.store.removeDomain('spare.example');
    assert.equal(await t.store.getDomain('spare.example'), undefined);
    await assert.rejects(t.store.removeDomain('spare.example'), code('NOT_FOUND'));
  });
});

describe('aliases and resolveRecipient', () => {
  let t: TestStore;
  const ids: Record<string, string> = {};
  before(async () => {
    t = await tempStore();
    await t.store.addDomain('office.example');
    for (const name of ['anna', 'boris', 'vera']) {
      ids[name] = (await t.store.createAccount({ address: `${name}@office.example`, passwordHash: HASH })).id;
    }
  });
  after(() => t.cleanup());

  it('resolves an account to itself, with the account record', async () => {
    const { accounts, ...rest } = (await t.store.resolveRecipient('Anna@Office.example')) ?? {};
    assert.deepEqual(rest, { address: 'anna@office.example', accountIds: [ids.anna], remote: [] });
    assert.deepEqual(
      accounts?.map((a) => [a.id, a.address, a.enabled]),
      [[ids.anna, 'anna@office.example', true]],
    );
  });

  it('returns undefined for unknown local users and foreign domains', async () => {
    assert.equal(await t.store.resolveRecipient('nobody@office.example'), undefined);
    assert.equal(await t.store.resolveRecipient('someone@gmail.example'), undefined);
    assert.equal(await t.store.resolveRecipient('not an address'), undefined);
  });

  it('expands one-to-many lists recursively, dedups and separates remote targets', async () => {
    await t.store.setAlias('team@office.example', ['anna@office.example', 'sales@office.example', 'partner@remote.example']);
    await t.store.setAlias('sales@office.example', ['boris@office.example', 'anna@office.example', 'vera@office.example']);
    const resolved = await t.store.resolveRecipient('TEAM@office.example');
    assert.ok(resolved);
    assert.deepEqual([...resolved.accountIds].sort(), [ids.anna, ids.boris, ids.vera].sort());
    assert.deepEqual(
      resolved.accounts?.map((a) => a.id),
      resolved.accountIds,
      'the accounts come along, in the same order',
    );
    assert.equal(resolved.accountIds.length, 3, 'anna once although listed twice');
    assert.deepEqual(resolved.remote, ['partner@remote.example']);
    assert.deepEqual((await t.store.getAlias('team@office.example'))?.targets.length, 3);
  });

  it('survives alias loops', async () => {
    await t.store.setAlias('loop1@office.example', ['loop2@office.example']);
    await t.store.setAlias('loop2@office.example', ['loop1@office.example', 'vera@office.example']);
    const resolved = await t.store.resolveRecipient('loop1@office.example');
    assert.deepEqual(resolved?.accountIds, [ids.vera]);
    await t.store.setAlias('self@office.example', ['self@office.example']);
    assert.deepEqual(await t.store.resolveRecipient('self@office.example'), {
      address: 'self@office.example',
      accountIds: [],
      remote: [],
      accounts: [],
    });
  });

  it('catch-all takes unknown local parts only', async () => {
    await t.store.setAlias('@office.example', ['boris@office.example']);
    assert.deepEqual((await t.store.resolveRecipient('typo@office.example'))?.accountIds, [ids.boris]);
    assert.deepEqual((await t.store.resolveRecipient('anna@office.example'))?.accountIds, [ids.anna]);
    await t.store.removeAlias('@office.example');
    assert.equal(await t.store.resolveRecipient('typo@office.example'), undefined);
  });

  it('validates aliases', async () => {
    await assert.rejects(t.store.setAlias('anna@office.example', ['boris@office.example']), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.setAlias('x@foreign.example', ['boris@office.example']), code('UNKNOWN_DOMAIN'));
    await assert.rejects(t.store.setAlias('x@office.example', ['not valid']), code('INVALID_ADDRESS'));
    await assert.rejects(t.store.setAlias('x@office.example', []), code('INVALID_ARGUMENT'));
    await assert.rejects(t.store.createAccount({ address: 'team@office.example', passwordHash: HASH }), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.removeAlias('none@office.example'), code('NOT_FOUND'));
    const names = (await t.store.listAliases('office.example')).map((a) => a.address);
    assert.ok(names.includes('team@office.example') && names.includes('sales@office.example'));
    await assert.rejects(t.store.removeDomain('office.example'), code('DOMAIN_IN_USE'));
  });
});

describe('settings and the outbound queue', () => {
  let t: TestStore;
  const events: StoreEvent[] = [];
  before(async () => {
    t = await tempStore({ now: () => 1_000_000 });
    t.store.subscribe((event) => events.push(event));
  });
  after(() => t.cleanup());

  it('sets several settings in one batch and deletes with undefined', async () => {
    await t.store.setSettings({ 'relay.host': 'smtp.isp.example', 'dnsbl.zones': [{ zone: 'zen.example', weight: 1 }], limit: 5 });
    assert.equal(await t.store.getSetting('relay.host'), 'smtp.isp.example');
    assert.deepEqual(await t.store.getSetting('dnsbl.zones'), [{ zone: 'zen.example', weight: 1 }]);
    await t.store.setSettings({ limit: undefined });
    assert.equal(await t.store.getSetting('limit'), undefined);
    assert.deepEqual(Object.keys(await t.store.listSettings()).sort(), ['dnsbl.zones', 'relay.host']);
    assert.deepEqual(
      events.filter((e) => e.type === 'settings-changed'),
      [
        { type: 'settings-changed', keys: ['relay.host', 'dnsbl.zones', 'limit'] },
        { type: 'settings-changed', keys: ['limit'] },
      ],
    );
  });

  it('enqueues with the body as a refcounted blob, updates and removes', async () => {
    const content = body('outbound');
    const item = await t.store.enqueue({
      from: 'Anna@office.example',
      recipients: ['x@remote.example', 'y@remote.example'],
      body: content,
    });
    assert.equal(item.from, 'anna@office.example');
    assert.equal(item.size, content.byteLength);
    assert.equal(item.nextAttemptAt, 1_000_000);
    assert.deepEqual(
      item.recipients.map((r) => r.status),
      ['pending', 'pending'],
    );
    assert.deepEqual(Buffer.from((await t.store.readBody(item.blobId)) ?? []), Buffer.from(content));
    const second = await t.store.enqueue({ from: '', recipients: ['z@remote.example'], body: content });
    assert.equal(second.blobId, item.blobId, 'same body, same blob');
    assert.equal((await t.store.stats()).blobs, 1);
    const updated = await t.store.updateQueueItem(item.id, {
      attempts: 1,
      nextAttemptAt: 2_000_000,
      recipients: [{ ...item.recipients[0], status: 'delivered', attempts: 1 } as never, item.recipients[1] as never],
    });
    assert.equal(updated?.attempts, 1);
    assert.equal((await t.store.getQueueItem(item.id))?.recipients[0]?.status, 'delivered');
    assert.equal(await t.store.updateQueueItem('missing', { attempts: 1 }), undefined);
    assert.equal((await t.store.listQueue()).length, 2);
    await t.store.removeQueueItem(item.id);
    assert.ok(await t.store.readBody(item.blobId), 'still referenced by the second item');
    await t.store.removeQueueItem(second.id);
    assert.equal(await t.store.readBody(item.blobId), undefined);
    assert.deepEqual(await t.store.listQueue(), []);
    assert.ok(events.some((e) => e.type === 'queue-changed' && e.id === item.id));
    assert.deepEqual((await t.store.fsck()).problems, []);
  });
});
