import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { PochtaError } from '../../../firmware/errors.ts';
import type { MailStore, StoreEvent } from '../../../firmware/store/types.ts';
import { createStoreProxy, type StoreHost, serveStore } from '../../../firmware/supervisor/index.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

const isCode = (code: string) => (err: unknown) => err instanceof PochtaError && err.code === code;

describe('store bridge (proxy over a MessagePort, real store)', () => {
  let fixture: TestStore;
  let host: StoreHost;
  let proxy: MailStore;
  let channel: MessageChannel;

  beforeEach(async () => {
    fixture = await openTestStore();
    channel = new MessageChannel();
    host = serveStore(fixture.store, channel.port1);
    proxy = createStoreProxy(channel.port2, { blobDir: fixture.blobDir });
  });
  afterEach(async () => {
    await proxy.close();
    host.close();
    await host.idle();
    await fixture.cleanup();
  });

  async function account(address = 'ann@example.test'): Promise<{ accountId: string; inbox: string }> {
    const domain = address.split('@')[1] ?? '';
    if (!(await fixture.store.getDomain(domain))) await fixture.store.addDomain(domain);
    const created = await proxy.createAccount({ address, passwordHash: 'x' });
    const inbox = await proxy.getMailbox(created.id, 'INBOX');
    assert.ok(inbox);
    return { accountId: created.id, inbox: inbox.id };
  }

  it('answers calls with the same data the store holds', async () => {
    const { accountId } = await account();
    assert.deepEqual(await proxy.getAccount(accountId), await fixture.store.getAccount(accountId));
    assert.deepEqual(await proxy.listMailboxes(accountId), await fixture.store.listMailboxes(accountId));
    assert.equal(await proxy.findAccount('nobody@example.test'), undefined);
    await proxy.setSettings({ 'limits.size': 10 });
    assert.equal(await fixture.store.getSetting('limits.size'), 10);
  });

  it('re-creates store errors as PochtaError with the same code', async () => {
    await account();
    await assert.rejects(proxy.createAccount({ address: 'ann@example.test', passwordHash: 'x' }), isCode('ALREADY_EXISTS'));
    await assert.rejects(proxy.createAccount({ address: 'bob@elsewhere.test', passwordHash: 'x' }), isCode('UNKNOWN_DOMAIN'));
  });

  it('sends bodies as transferred copies: the caller keeps its buffer, the store gets the bytes', async () => {
    const { accountId, inbox } = await account();
    const owned = new TextEncoder().encode('Subject: one\r\n\r\nowned body\r\n');
    const meta = await proxy.appendMessage(inbox, owned);
    // The caller may hand the same body to a second call, as the delivery router does.
    assert.equal(new TextDecoder().decode(owned), 'Subject: one\r\n\r\nowned body\r\n');
    const again = await proxy.deliver({ recipients: [{ accountId }], body: owned });
    assert.equal(again.blobId, meta.blobId, 'same bytes, same blob');
    assert.deepEqual(await proxy.readBody(meta.blobId), owned);

    // A small Buffer lives in Node's shared pool; its neighbours must not travel or change.
    const pooled = Buffer.from('Subject: two\r\n\r\npooled body\r\n');
    assert.notEqual(pooled.buffer.byteLength, pooled.byteLength);
    const second = await proxy.appendMessage(inbox, pooled);
    assert.equal(pooled.toString(), 'Subject: two\r\n\r\npooled body\r\n');
    assert.equal(Buffer.from((await proxy.readBody(second.blobId)) ?? []).toString(), pooled.toString());

    const part = await proxy.readBody(meta.blobId, 9, 12);
    assert.ok(part instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(part), 'one');

    // A body whose memory went to another thread is refused instead of being stored empty.
    const gone = new TextEncoder().encode('Subject: gone\r\n\r\nx\r\n');
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    await assert.rejects(proxy.appendMessage(inbox, gone), isCode('INVALID_ARGUMENT'));
    assert.equal((await proxy.listMessages(inbox)).length, 3);
  });

  it('computes blobPath locally, exactly where the store keeps the body', async () => {
    const { inbox } = await account();
    const meta = await proxy.appendMessage(inbox, new TextEncoder().encode('Subject: p\r\n\r\nx\r\n'));
    assert.equal(proxy.blobPath(meta.blobId), fixture.store.blobPath(meta.blobId));
    assert.throws(() => proxy.blobPath('../../etc/passwd'), isCode('INVALID_ARGUMENT'));
  });

  it('forwards the change feed only while subscribed', async () => {
    const events: StoreEvent[] = [];
    const off = proxy.subscribe((event) => events.push(event));
    await proxy.setSettings({ a: 1 }); // events are posted before the reply, in commit order
    assert.ok(host.subscribed);
    assert.deepEqual(events, [{ type: 'settings-changed', keys: ['a'] }]);
    const { accountId, inbox } = await account();
    await fixture.store.appendMessage(inbox, new TextEncoder().encode('Subject: e\r\n\r\nx\r\n'));
    await proxy.stats(); // round trip: any event committed before it has arrived
    assert.ok(events.some((e) => e.type === 'message-added' && e.accountId === accountId && e.mailboxId === inbox));

    off();
    await proxy.stats();
    assert.equal(host.subscribed, false);
    const seen = events.length;
    await fixture.store.setSettings({ b: 2 });
    await proxy.stats();
    assert.equal(events.length, seen);
  });

  it('finishes a write whose caller went away, drops the reply and the subscription', async () => {
    const { inbox } = await account();
    proxy.subscribe(() => {});
    await proxy.stats();
    assert.ok(host.subscribed);
    const pending = proxy.appendMessage(inbox, new TextEncoder().encode('Subject: orphan\r\n\r\nx\r\n'));
    const hostSeesClose = new Promise((resolve) => channel.port1.once('close', resolve));
    // The worker end vanishes while the call is in flight (as when its thread dies).
    channel.port2.close();
    await assert.rejects(pending, isCode('STORE_CLOSED'));
    await hostSeesClose;
    await host.idle();
    assert.equal(host.inFlight, 0);
    assert.equal(host.subscribed, false);
    const stored = await fixture.store.listMessages(inbox);
    assert.equal(stored.length, 1, 'the write completed on the store');
    assert.deepEqual((await fixture.store.fsck()).problems, []);
    await assert.rejects(proxy.stats(), isCode('STORE_CLOSED'));
  });
});

describe('store bridge protocol', () => {
  it('maps an unknown error code to INTERNAL and refuses calls to methods outside the allowlist', async () => {
    const channel = new MessageChannel();
    // The main-thread side is played by hand here to send what a real store never would.
    channel.port1.on('message', (call: { id: number }) =>
      channel.port1.postMessage({ id: call.id, error: { code: 'NO_SUCH_CODE', message: 'odd' } }),
    );
    const proxy = createStoreProxy(channel.port2, {});
    await assert.rejects(proxy.stats(), (err: unknown) => isCode('INTERNAL')(err) && (err as Error).message === 'odd');
    assert.throws(() => proxy.blobPath('a'.repeat(64)), isCode('INTERNAL'));
    await proxy.close();
    channel.port1.close();

    const raw = new MessageChannel();
    const fixture = await openTestStore();
    const host = serveStore(fixture.store, raw.port1);
    const reply = new Promise((resolve) => raw.port2.once('message', resolve));
    raw.port2.postMessage({ id: 7, method: 'constructor', args: [] });
    assert.deepEqual(await reply, { id: 7, error: { code: 'INVALID_ARGUMENT', message: 'malformed store call' } });
    host.close();
    raw.port2.close();
    await fixture.cleanup();
  });
});
