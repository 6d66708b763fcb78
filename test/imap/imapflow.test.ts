// Interop with ImapFlow (the IMAP client of the Node world, from the registry)
// against the server started in-process: CONDSTORE (ENABLE, HIGHESTMODSEQ,
// CHANGEDSINCE), MOVE with its UID map, SEARCH, download, and IDLE hearing a
// delivery through the store, another session's flag change and an expunge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type Fixture, PASSWORD, startFixture } from '../unit/imap/fixture.ts';
import { message } from './support.ts';

function client(port: number): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice@example.com', pass: PASSWORD },
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
}

async function messageCount(c: ImapFlow, mailbox: string): Promise<number | undefined> {
  const status = await c.status(mailbox, { messages: true });
  return status === false ? undefined : status.messages;
}

/** Resolve with the first event, or fail after `ms` (a bound, not a timing assertion). */
function nextEvent<T>(c: ImapFlow, name: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${name}' event within ${ms} ms`)), ms);
    c.once(name, (data: T) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

describe('imap interop with ImapFlow', { timeout: 60_000 }, () => {
  let f: Fixture;
  let c: ImapFlow;
  const uids: number[] = [];
  before(async () => {
    f = await startFixture();
    c = client(f.port);
    await c.connect();
  });
  after(async () => {
    await c.logout().catch(() => undefined);
    await f.close();
  });

  it('enables CONDSTORE and fetches what changed since a HIGHESTMODSEQ', async () => {
    assert.ok(c.capabilities.has('CONDSTORE'));
    assert.ok(c.enabled.has('CONDSTORE'));
    await c.mailboxCreate('Flow');
    for (let i = 0; i < 3; i++) {
      const r = await c.append('Flow', Buffer.from(message({ subject: `flow ${i}` })), ['\\Seen']);
      assert.ok(r !== false && typeof r.uid === 'number');
      uids.push(r.uid!);
    }
    const box = await c.mailboxOpen('Flow');
    const before = BigInt(box.highestModseq ?? 0);
    assert.ok(before > 0n);
    await c.messageFlagsAdd(String(uids[1]), ['\\Flagged'], { uid: true });
    const changed = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: before })) changed.push(m);
    assert.deepEqual(
      changed.map((m) => m.uid),
      [uids[1]],
    );
    assert.ok(changed[0]!.flags?.has('\\Flagged'));
    assert.ok(BigInt(changed[0]!.modseq ?? 0) > before);
  });

  it('searches, moves with a UID map and downloads a message byte for byte', async () => {
    assert.deepEqual(await c.search({ flagged: true, subject: 'flow' }, { uid: true }), [uids[1]]);
    const moved = await c.messageMove(String(uids[0]), 'Archive', { uid: true });
    assert.ok(moved !== false && moved.uidMap?.get(uids[0]!) !== undefined);
    assert.equal(await messageCount(c, 'Flow'), 2);
    const { content } = await c.download(String(uids[2]), undefined, { uid: true });
    assert.ok(content !== undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    assert.match(Buffer.concat(chunks).toString(), /^From: .*Subject: flow 2\r\n.*\r\n\r\nJust a line\.\r\n$/s);
  });

  it('IDLE: exists on a delivery through the store, flags from another session, expunge', async () => {
    await c.mailboxOpen('INBOX');
    const exists = nextEvent<{ count: number }>(c, 'exists', 5000);
    void c.idle().catch(() => undefined);
    // The way SMTP delivers: straight into the store.
    await f.store.deliver({ recipients: [{ accountId: f.account.id }], body: Buffer.from(message({ subject: 'delivered' })) });
    assert.equal((await exists).count, 1);

    const other = client(f.port);
    await other.connect();
    await other.mailboxOpen('INBOX');
    const flags = nextEvent<{ flags: Set<string> }>(c, 'flags', 5000);
    await other.messageFlagsAdd('1', ['\\Seen']);
    assert.ok((await flags).flags.has('\\Seen'));
    const expunge = nextEvent<{ seq: number }>(c, 'expunge', 5000);
    await other.messageDelete('1');
    assert.equal((await expunge).seq, 1);
    await other.logout();
    // Leaving IDLE happens on the next command.
    assert.equal(await messageCount(c, 'INBOX'), 0);
  });
});
