// The admin actions behind `pochta queue list|show|retry|delete|bounce`, on the
// real store, with the runner doing its part afterwards.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { QUEUE_ACTIONS, queueBounce, queueDelete, queueList, queueRetry, queueShow } from '../../firmware/delivery/outbound/admin.ts';
import { isPochtaError } from '../../firmware/errors.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { parseDsn } from './support/dsn-parse.ts';
import { FakeClock, HOUR, inboxTexts, message, type StoreFixture, T0, tempStore, testRunner } from './support/harness.ts';
import { SmtpSink } from './support/smtp-sink.ts';

describe('queue admin actions', () => {
  let dns: TestDnsServer;
  let mx: SmtpSink;
  let refuse = true;

  before(async () => {
    dns = await TestDnsServer.start();
    mx = await SmtpSink.start({ host: '127.0.0.8', onRcpt: () => (refuse ? '450 4.2.1 Mailbox busy' : undefined) });
    dns.add('far.test', { type: 'MX', exchange: 'mx.far.test', priority: 10 }).add('mx.far.test', { type: 'A', address: '127.0.0.8' });
  });

  after(async () => {
    await Promise.all([mx.close(), dns.close()]);
  });

  let clock: FakeClock;
  let fx: StoreFixture;
  let annId: string;

  beforeEach(async () => {
    clock = new FakeClock();
    fx = await tempStore(clock);
    await fx.store.addDomain('here.test');
    annId = (await fx.store.createAccount({ address: 'ann@here.test', passwordHash: 'x' })).id;
    refuse = true;
    mx.received.length = 0;
  });

  afterEach(async () => {
    await fx.close();
  });

  async function deferredItem(subject: string) {
    const item = await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['bob@far.test'],
      body: message('ann@here.test', 'bob@far.test', subject),
    });
    const { runner } = testRunner(fx.store, clock, dns, { mxPort: mx.port });
    await runner.runOnce();
    return { item, runner };
  }

  it('lists and shows items with their state and headers', async () => {
    const { item } = await deferredItem('Quarterly report');
    clock.advance(1000);
    await fx.store.enqueue({
      from: 'ann@here.test',
      recipients: ['x@far.test', 'y@far.test'],
      body: message('ann@here.test', 'x@far.test', 'Second'),
      nextAttemptAt: T0 + HOUR,
    });
    const list = await queueList(fx.store);
    assert.equal(list.length, 2);
    assert.equal(list[0]?.id, item.id, 'oldest first');
    assert.equal(list[0]?.pending, 1);
    assert.equal(list[0]?.attempts, 1);
    assert.equal(list[0]?.lastError, '450 4.2.1 Mailbox busy');
    assert.equal(list[1]?.recipients, 2);
    const shown = await queueShow(fx.store, item.id);
    assert.equal(shown.subject, 'Quarterly report');
    assert.equal(shown.headerFrom, '<ann@here.test>');
    assert.equal(shown.messageId, '<Quarterlyreport@test>');
    assert.equal(shown.item.recipients[0]?.status, 'pending');
    // Plain data: what `--json` prints.
    assert.doesNotThrow(() => JSON.stringify(list));
  });

  it('retries now: the next pass delivers without waiting for the backoff', async () => {
    const { item, runner } = await deferredItem('Retry me');
    refuse = false;
    clock.advance(60_000);
    assert.equal((await runner.runOnce()).attempted, 0, 'not due yet');
    const summary = await queueRetry(fx.store, item.id, clock.now);
    assert.equal(summary.nextAttemptAt, clock.t);
    assert.equal((await runner.runOnce()).delivered, 1);
    assert.equal(mx.received.length, 1);
    assert.deepEqual(await queueList(fx.store), []);
  });

  it('deletes without telling anyone', async () => {
    const { item } = await deferredItem('Delete me');
    await queueDelete(fx.store, item.id);
    assert.deepEqual(await queueList(fx.store), []);
    assert.equal((await inboxTexts(fx.store, annId)).length, 0);
  });

  it('bounces on request: the sender gets a DSN and the item goes away', async () => {
    const { item, runner } = await deferredItem('Bounce me');
    const summary = await queueBounce(fx.store, item.id, clock.now);
    assert.equal(summary.pending, 0);
    const pass = await runner.runOnce();
    assert.equal(pass.bounces, 1);
    assert.equal(pass.attempted, 0, 'nothing is sent to the remote host');
    assert.deepEqual(await queueList(fx.store), []);
    const dsn = parseDsn(Buffer.from((await inboxTexts(fx.store, annId))[0] ?? ''));
    const r = dsn.recipients[0];
    assert.equal(r?.get('final-recipient'), 'rfc822; bob@far.test');
    assert.equal(r?.get('action'), 'failed');
    assert.equal(r?.get('status'), '5.0.0');
    assert.equal(r?.get('remote-mta'), 'dns; mx.far.test');
    assert.match(r?.get('diagnostic-code') ?? '', /cancelled by the mail administrator/);
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    for (const action of [
      () => queueShow(fx.store, 'nope'),
      () => queueRetry(fx.store, 'nope', clock.now),
      () => queueDelete(fx.store, 'nope'),
      () => queueBounce(fx.store, 'nope', clock.now),
    ]) {
      await assert.rejects(action(), (err) => isPochtaError(err, 'NOT_FOUND'));
    }
  });
});

describe('queue admin actions in the admin room shape', () => {
  it('checks the id parameter and returns plain data', async () => {
    const clock = new FakeClock();
    const fx = await tempStore(clock);
    try {
      const deps = { store: fx.store, now: clock.now };
      const item = await fx.store.enqueue({
        from: 'ann@here.test',
        recipients: ['bob@far.test'],
        body: message('ann@here.test', 'bob@far.test', 'Shape'),
      });
      const run = (name: string, params: Record<string, unknown> = {}) => {
        const action = QUEUE_ACTIONS.get(name);
        assert.ok(action, name);
        return action(deps, params);
      };
      assert.deepEqual(
        ((await run('queue.list')) as Array<{ id: string }>).map((s) => s.id),
        [item.id],
      );
      await assert.rejects(run('queue.show', {}), (err) => isPochtaError(err, 'INVALID_ARGUMENT'));
      await assert.rejects(run('queue.retry', { id: 7 }), (err) => isPochtaError(err, 'INVALID_ARGUMENT'));
      assert.equal(((await run('queue.show', { id: item.id })) as { subject?: string }).subject, 'Shape');
      assert.deepEqual(await run('queue.delete', { id: item.id }), { id: item.id, deleted: true });
      assert.deepEqual(await run('queue.list'), []);
    } finally {
      await fx.close();
    }
  });
});
