// The UPDATE state (RFC 1939 section 6): deletions happen only at QUIT, all in
// one store.expunge; a dropped connection deletes nothing; IMAP-side changes
// during a session are seen, and seen by IMAP.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { StoreEvent } from '../../firmware/store/types.ts';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('POP3 UPDATE state', () => {
  let fx: Fixture;
  let port: number;

  before(async () => {
    fx = await startFixture();
    ({ port } = await fx.service('pop3'));
  });
  after(() => fx.close());

  beforeEach(async () => {
    const existing = await fx.store.listMessages(fx.inboxId);
    if (existing.length > 0)
      await fx.store.expunge(
        fx.inboxId,
        existing.map((m) => m.uid),
      );
    for (const subject of ['a', 'b', 'c', 'd']) await fx.deliver(message(subject));
  });

  const subjects = async () => {
    const metas = await fx.store.listMessages(fx.inboxId);
    const texts = await Promise.all(metas.map(async (m) => Buffer.from((await fx.store.readBody(m.blobId)) ?? []).toString()));
    return texts.map((t) => /Subject: (\w+)/.exec(t)?.[1]);
  };

  it('DELE then QUIT expunges every marked message in one store change', async () => {
    const events: StoreEvent[] = [];
    const unsubscribe = fx.store.subscribe((e) => events.push(e));
    const c = await fx.login(port);
    assert.match(await c.command('DELE 1'), /^\+OK/);
    assert.match(await c.command('DELE 3'), /^\+OK/);
    assert.deepEqual(await subjects(), ['a', 'b', 'c', 'd'], 'nothing changes before QUIT');
    assert.match(await c.command('QUIT'), /^\+OK .*2 messages left/);
    await c.waitClosed();
    unsubscribe();
    assert.deepEqual(await subjects(), ['b', 'd']);
    const expunges = events.filter((e) => e.type === 'expunged');
    assert.equal(expunges.length, 1, 'one atomic expunge');
    assert.equal(expunges[0]?.type === 'expunged' ? expunges[0].uids.length : 0, 2);
    await fx.unlocked();
  });

  it('DELE then a dropped connection deletes nothing', async () => {
    const c = await fx.login(port);
    assert.match(await c.command('DELE 1'), /^\+OK/);
    assert.match(await c.command('DELE 2'), /^\+OK/);
    c.close();
    await fx.unlocked();
    assert.deepEqual(await subjects(), ['a', 'b', 'c', 'd']);
  });

  it('a client that pipelines DELE and QUIT and hangs up at once still gets its deletions', async () => {
    const c = await fx.connect(port);
    await c.line();
    // The hang-up arrives while the password check (scrypt) still runs, with DELE and QUIT queued behind it.
    c.send(`USER ${USER}\r\nPASS ${PASSWORD}\r\nDELE 2\r\nDELE 3\r\nQUIT\r\nDELE 4\r\n`);
    c.hangUp();
    await fx.unlocked();
    await waitFor(async () => (await subjects()).length === 2);
    assert.deepEqual(await subjects(), ['a', 'd'], 'lines after QUIT are not run');
  });

  it('a client that pipelines DELE without QUIT and hangs up deletes nothing', async () => {
    const c = await fx.connect(port);
    await c.line();
    c.send(`USER ${USER}\r\nPASS ${PASSWORD}\r\nDELE 1\r\nDELE 2\r\n`);
    c.hangUp();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fx.unlocked();
    assert.deepEqual(await subjects(), ['a', 'b', 'c', 'd']);
  });

  it('RSET forgets the marks, so QUIT deletes nothing', async () => {
    const c = await fx.login(port);
    assert.match(await c.command('DELE 2'), /^\+OK/);
    assert.match(await c.command('RSET'), /^\+OK/);
    assert.match(await c.command('DELE 4'), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await c.waitClosed();
    assert.deepEqual(await subjects(), ['a', 'b', 'c']);
    await fx.unlocked();
  });

  it('keeps message numbers fixed when IMAP expunges or delivers during the session; RETR of a gone one is -ERR', async () => {
    const c = await fx.login(port);
    // RETR 1 first, so 2-4 are already read ahead when IMAP removes 2.
    assert.match(await c.command('RETR 1'), /^\+OK/);
    assert.match((await c.body()).toString(), /Subject: a/);
    const metas = await fx.store.listMessages(fx.inboxId);
    const second = metas[1];
    assert.ok(second);
    await fx.store.expunge(fx.inboxId, [second.uid]);
    await fx.deliver(message('e'));
    assert.match(await c.command('STAT'), /^\+OK 4 /, 'the snapshot from login');
    assert.match(await c.command('RETR 2'), /^-ERR .*deleted/);
    assert.match(await c.command('TOP 2 0'), /^-ERR/);
    assert.match(await c.command('RETR 3'), /^\+OK/);
    assert.match((await c.body()).toString(), /Subject: c/);
    // Deleting a message IMAP already removed is harmless at QUIT.
    assert.match(await c.command('DELE 2'), /^\+OK/);
    assert.match(await c.command('DELE 3'), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await c.waitClosed();
    assert.deepEqual(await subjects(), ['a', 'd', 'e']);
    await fx.unlocked();
    const again = await fx.login(port);
    assert.match(await again.command('STAT'), /^\+OK 3 /, 'the next session sees the new INBOX');
    assert.match(await again.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });

  it('UIDL values stay the same across sessions and match the IMAP UIDs', async () => {
    const first = await fx.login(port);
    const before = (await first.multi('UIDL')).lines.map((l) => l.split(' ')[1]);
    assert.match(await first.command('DELE 1'), /^\+OK/);
    assert.match(await first.command('QUIT'), /^\+OK/);
    await fx.unlocked();
    const second = await fx.login(port);
    const afterQuit = (await second.multi('UIDL')).lines.map((l) => l.split(' ')[1]);
    assert.deepEqual(afterQuit, before.slice(1));
    const inbox = await fx.store.getMailboxById(fx.inboxId);
    const uids = (await fx.store.listMessages(fx.inboxId)).map((m) => `${inbox?.uidValidity}.${m.uid}`);
    assert.deepEqual(afterQuit, uids);
    for (const id of afterQuit) assert.match(id ?? '', /^[\x21-\x7e]{1,70}$/);
    assert.match(await second.command('QUIT'), /^\+OK/);
    await fx.unlocked();
  });
});
