// STORE, COPY, MOVE, EXPUNGE, UID EXPUNGE and CLOSE over a real socket:
// flag replies, PERMANENTFLAGS, UIDPLUS response codes and EXPUNGE numbering.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append, message } from './support.ts';

describe('imap STORE', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  before(async () => {
    f = await startFixture();
    c = await f.login();
    for (let i = 1; i <= 4; i++) await append(c, 'INBOX', message({ subject: `m${i}` }));
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('+FLAGS, -FLAGS, FLAGS answer the new flags; .SILENT answers nothing', async () => {
    assert.deepEqual(await c.command('STORE 1:2 +FLAGS (\\Seen \\Flagged)', 's1'), [
      '* 1 FETCH (FLAGS (\\Seen \\Flagged))',
      '* 2 FETCH (FLAGS (\\Seen \\Flagged))',
      's1 OK STORE completed',
    ]);
    assert.deepEqual(await c.command('STORE 2 -FLAGS \\Flagged', 's2'), ['* 2 FETCH (FLAGS (\\Seen))', 's2 OK STORE completed']);
    assert.deepEqual(await c.command('STORE 3 FLAGS.SILENT (\\Answered)', 's3'), ['s3 OK STORE completed']);
    assert.deepEqual(await c.command('UID STORE 3 FLAGS ()', 's4'), ['* 3 FETCH (UID 3 FLAGS ())', 's4 OK UID STORE completed']);
    assert.deepEqual(await c.command('FETCH 1:3 FLAGS', 's5'), [
      '* 1 FETCH (FLAGS (\\Seen \\Flagged))',
      '* 2 FETCH (FLAGS (\\Seen))',
      '* 3 FETCH (FLAGS ())',
      's5 OK FETCH completed',
    ]);
  });

  it('a new keyword is announced in FLAGS and PERMANENTFLAGS before the FETCH that carries it', async () => {
    assert.deepEqual(await c.command('STORE 4 +FLAGS ($Important)', 'k1'), [
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important \\*)] Flags permitted',
      '* 4 FETCH (FLAGS ($Important))',
      'k1 OK STORE completed',
    ]);
    assert.deepEqual(await c.command('STORE 4 +FLAGS (\\Recent)', 'k2'), ['k2 BAD Invalid flag']);
    assert.deepEqual(await c.command('STORE 5 +FLAGS (\\Seen)', 'k3'), ['k3 BAD Invalid message sequence number']);
  });

  it('EXAMINE refuses STORE', async () => {
    await c.command('EXAMINE INBOX', 'e1');
    assert.deepEqual(await c.command('STORE 1 +FLAGS (\\Seen)', 'e2'), ['e2 NO [READ-ONLY] Mailbox is read-only']);
    await c.command('SELECT INBOX', 'e3');
  });
});

describe('imap COPY, MOVE, EXPUNGE', { timeout: 30_000 }, () => {
  let f: Fixture;
  let c: TestClient;
  before(async () => {
    f = await startFixture();
    c = await f.login();
    for (let i = 1; i <= 6; i++) await append(c, 'INBOX', message({ subject: `m${i}` }));
    await c.command('SELECT INBOX');
  });
  after(() => f.close());

  it('COPY answers COPYUID; a missing target is TRYCREATE', async () => {
    const v = await uidValidity(c, 'Archive');
    assert.deepEqual(await c.command('COPY 1:2,4 Archive', 'c1'), [`c1 OK [COPYUID ${v} 1:2,4 1:3] COPY completed`]);
    assert.deepEqual(await c.command('UID COPY 6 Nowhere', 'c2'), ['c2 NO [TRYCREATE] Mailbox does not exist']);
    assert.deepEqual(await c.command('UID COPY 99 Archive', 'c3'), ['c3 OK UID COPY completed']);
    const status = await c.command('STATUS Archive (MESSAGES UIDNEXT)', 'c4');
    assert.equal(status[0], '* STATUS "Archive" (MESSAGES 3 UIDNEXT 4)');
  });

  it('MOVE: untagged OK [COPYUID], then EXPUNGE numbered as the client sees them', async () => {
    const v = await uidValidity(c, 'Trash');
    assert.deepEqual(await c.command('MOVE 2:3 Trash', 'm1'), [
      `* OK [COPYUID ${v} 2:3 1:2] Moved`,
      '* 2 EXPUNGE',
      '* 2 EXPUNGE',
      'm1 OK MOVE completed',
    ]);
    // INBOX now holds UIDs 1,4,5,6 as 1..4.
    assert.deepEqual(await c.command('UID MOVE 5 Trash', 'm2'), [
      `* OK [COPYUID ${v} 5 3] Moved`,
      '* 3 EXPUNGE',
      'm2 OK UID MOVE completed',
    ]);
    assert.deepEqual(await c.command('UID FETCH 1:* UID', 'm3'), [
      '* 1 FETCH (UID 1)',
      '* 2 FETCH (UID 4)',
      '* 3 FETCH (UID 6)',
      'm3 OK UID FETCH completed',
    ]);
    assert.deepEqual(await c.command('MOVE 1 Nowhere', 'm4'), ['m4 NO [TRYCREATE] Mailbox does not exist']);
  });

  it('EXPUNGE removes only \\Deleted; UID EXPUNGE only within its set; CLOSE expunges silently', async () => {
    await c.command('STORE 1:3 +FLAGS.SILENT (\\Deleted)', 'x1');
    assert.deepEqual(await c.command('UID EXPUNGE 4:5', 'x2'), ['* 2 EXPUNGE', 'x2 OK UID EXPUNGE completed']);
    assert.deepEqual(await c.command('EXPUNGE', 'x3'), ['* 1 EXPUNGE', '* 1 EXPUNGE', 'x3 OK EXPUNGE completed']);
    assert.deepEqual(await c.command('FETCH 1:* UID', 'x4'), ['x4 OK FETCH completed']);
    await c.command('SELECT Trash', 'x5');
    await c.command('STORE 1 +FLAGS (\\Deleted)', 'x6');
    assert.deepEqual(await c.command('CLOSE', 'x7'), ['x7 OK CLOSE completed']);
    assert.equal((await c.command('STATUS Trash (MESSAGES)', 'x8'))[0], '* STATUS "Trash" (MESSAGES 2)');
  });
});

async function uidValidity(c: TestClient, mailbox: string): Promise<number> {
  const r = await c.command(`STATUS ${mailbox} (UIDVALIDITY)`);
  return Number(/UIDVALIDITY (\d+)/.exec(r[0]!)![1]);
}
