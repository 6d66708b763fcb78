// Live mailbox updates from the store's change feed: two sessions on one
// mailbox, deliveries through the store (as SMTP does), IDLE, the RFC 3501
// 7.4.1 rule that EXPUNGE waits while FETCH/STORE/SEARCH run, and mailboxes
// renamed or deleted under a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IDLE_KEEPALIVE_MS } from '../../firmware/imap/commands/idle.ts';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, manualTimers, startFixture } from '../unit/imap/fixture.ts';
import { append, message } from './support.ts';

/** Resolve with the next response, or fail after `ms` (a bound, not a timing assertion). */
async function within(c: TestClient, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response within ${ms} ms; ${c.unread} bytes unread`)), ms);
  });
  try {
    return await Promise.race([c.response(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('imap live updates between sessions', { timeout: 30_000 }, () => {
  let f: Fixture;
  let a: TestClient;
  let b: TestClient;
  before(async () => {
    f = await startFixture();
    a = await f.login();
    b = await f.login();
    for (let i = 1; i <= 3; i++) await append(a, 'INBOX', message({ subject: `m${i}` }));
    await a.command('SELECT INBOX');
    await b.command('SELECT INBOX');
  });
  after(() => f.close());

  it('a message appended by one session is EXISTS for the other at its next command', async () => {
    await append(b, 'INBOX', message({ subject: 'm4' }));
    assert.deepEqual(await a.command('NOOP', 'n1'), ['* 4 EXISTS', '* 0 RECENT', 'n1 OK NOOP completed']);
    assert.deepEqual(await a.command('NOOP', 'n2'), ['n2 OK NOOP completed']);
  });

  it('flag changes by one session reach the other once; its own changes are not told twice', async () => {
    assert.deepEqual(await b.command('STORE 2 +FLAGS (\\Flagged)', 'f1'), ['* 2 FETCH (FLAGS (\\Flagged))', 'f1 OK STORE completed']);
    assert.deepEqual(await a.command('NOOP', 'f2'), ['* 2 FETCH (FLAGS (\\Flagged))', 'f2 OK NOOP completed']);
    assert.deepEqual(await b.command('NOOP', 'f3'), ['f3 OK NOOP completed']);
    // FETCH with the implicit \Seen: the other session hears it, this one only in its FETCH.
    await a.command('FETCH 3 BODY[TEXT]', 'f4');
    assert.deepEqual(await a.command('NOOP', 'f5'), ['f5 OK NOOP completed']);
    assert.deepEqual(await b.command('NOOP', 'f6'), ['* 3 FETCH (FLAGS (\\Seen))', 'f6 OK NOOP completed']);
  });

  it('EXPUNGE by another session waits while FETCH, STORE and SEARCH run, and goes out after', async () => {
    await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)', 'e1');
    assert.deepEqual(await b.command('EXPUNGE', 'e2'), ['* 1 EXPUNGE', 'e2 OK EXPUNGE completed']);
    // A still numbers the expunged message 1; FETCH of it has nothing to say, other numbers stay right.
    const fetch = await a.command('FETCH 1:2 (UID FLAGS)', 'e3');
    assert.deepEqual(fetch, ['* 2 FETCH (UID 2 FLAGS (\\Flagged))', 'e3 OK FETCH completed']);
    assert.deepEqual(await a.command('SEARCH ALL', 'e4'), ['* SEARCH 2 3 4', 'e4 OK SEARCH completed']);
    assert.deepEqual(await a.command('STORE 2 +FLAGS.SILENT (\\Answered)', 'e5'), ['e5 OK STORE completed']);
    // UID commands may hear it: UIDs do not shift.
    assert.deepEqual(await a.command('UID FETCH 2 FLAGS', 'e6'), [
      '* 2 FETCH (UID 2 FLAGS (\\Flagged \\Answered))',
      '* 1 EXPUNGE',
      'e6 OK UID FETCH completed',
    ]);
    assert.deepEqual(await a.command('NOOP', 'e7'), ['e7 OK NOOP completed']);
    assert.deepEqual(await b.command('NOOP', 'e8'), ['* 1 FETCH (FLAGS (\\Flagged \\Answered))', 'e8 OK NOOP completed']);
  });

  it('IDLE hears deliveries through the store, flag changes and expunges as they happen', async () => {
    a.write('i1 IDLE\r\n');
    assert.equal(await within(a, 2000), '+ idling');
    // The way SMTP delivers: straight into the store, no IMAP session involved.
    await f.store.deliver({ recipients: [{ accountId: f.account.id }], body: Buffer.from(message({ subject: 'delivered' })) });
    assert.equal(await within(a, 1000), '* 4 EXISTS');
    assert.equal(await within(a, 1000), '* 0 RECENT');
    // B learns of the delivery at its next command; then it may name message 4.
    await b.command('NOOP', 'i2a');
    await b.command('STORE 4 +FLAGS (\\Seen)', 'i2');
    assert.equal(await within(a, 1000), '* 4 FETCH (FLAGS (\\Seen))');
    await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)', 'i3');
    await b.command('EXPUNGE', 'i4');
    assert.equal(await within(a, 1000), '* 1 FETCH (FLAGS (\\Flagged \\Answered \\Deleted))');
    assert.equal(await within(a, 1000), '* 1 EXPUNGE');
    a.write('DONE\r\n');
    assert.equal(await within(a, 1000), 'i1 OK IDLE terminated');
    assert.deepEqual(await a.command('FETCH 1:* UID', 'i5'), [
      '* 1 FETCH (UID 3)',
      '* 2 FETCH (UID 4)',
      '* 3 FETCH (UID 5)',
      'i5 OK FETCH completed',
    ]);
  });

  it('a mailbox renamed under a session stays selected; one deleted under it ends the session with BYE', async () => {
    await b.command('CREATE Work');
    await append(b, 'Work', message({ subject: 'w' }));
    await a.command('SELECT Work', 'r1');
    await b.command('RENAME Work Play', 'r2');
    assert.deepEqual(await a.command('FETCH 1 UID', 'r3'), ['* 1 FETCH (UID 1)', 'r3 OK FETCH completed']);
    await append(b, 'Play', message({ subject: 'w2' }));
    assert.deepEqual(await a.command('NOOP', 'r4'), ['* 2 EXISTS', '* 0 RECENT', 'r4 OK NOOP completed']);
    await b.command('DELETE Play', 'r5');
    a.write('r6 NOOP\r\n');
    assert.equal(await within(a, 1000), '* BYE Selected mailbox was deleted');
    await a.waitClosed();
  });
});

describe('imap IDLE keepalive', { timeout: 30_000 }, () => {
  it('says it is still there every few minutes while idling, and stops when IDLE ends', async () => {
    const timers = manualTimers();
    const f = await startFixture({}, { setTimer: timers.setTimer });
    try {
      const c = await f.login();
      await c.command('SELECT INBOX');
      c.write('k IDLE\r\n');
      assert.equal(await within(c, 2000), '+ idling');
      timers.fire(IDLE_KEEPALIVE_MS);
      assert.equal(await within(c, 1000), '* OK Still here');
      timers.fire(IDLE_KEEPALIVE_MS);
      assert.equal(await within(c, 1000), '* OK Still here');
      c.write('DONE\r\n');
      assert.equal(await within(c, 1000), 'k OK IDLE terminated');
      timers.fire(IDLE_KEEPALIVE_MS);
      assert.deepEqual(await c.command('NOOP', 'k2'), ['k2 OK NOOP completed']);
    } finally {
      await f.close();
    }
  });
});
