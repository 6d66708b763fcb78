// COMPRESS=DEFLATE (RFC 4978) over a real socket: the OK goes out plain, then
// both directions are deflated; replies, IDLE pushes and streamed bodies all
// reach the client flushed, byte for byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append, message } from './support.ts';

async function within(c: TestClient, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([c.response(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('imap COMPRESS=DEFLATE', { timeout: 30_000 }, () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('refuses unknown mechanisms; after DEFLATE every reply arrives compressed and flushed', async () => {
    const plain = await f.login();
    assert.deepEqual(await plain.command('COMPRESS LZ4', 'z0'), ['z0 BAD Unknown compression mechanism']);
    assert.deepEqual(await plain.command('COMPRESS DEFLATE', 'z1'), ['z1 OK DEFLATE active']);
    const c = plain.compress();
    assert.deepEqual(await c.command('COMPRESS DEFLATE', 'z2'), ['z2 NO [COMPRESSIONACTIVE] DEFLATE active already']);
    const big = message({ subject: 'Big', body: 'compressible line of text\r\n'.repeat(30_000) });
    const uid = await append(c, 'INBOX', big);
    await c.command('SELECT INBOX', 's');
    const r = await c.command(`UID FETCH ${uid} (RFC822.SIZE BODY.PEEK[])`, 'f');
    assert.ok(r[0] === `* 1 FETCH (UID ${uid} RFC822.SIZE ${big.length} BODY[] {${big.length}}\r\n${big})`, 'whole body');
    c.write('i IDLE\r\n');
    assert.equal(await within(c, 2000), '+ idling');
    await f.store.deliver({ recipients: [{ accountId: f.account.id }], body: Buffer.from(message({ subject: 'pushed' })) });
    assert.equal(await within(c, 2000), '* 2 EXISTS');
    assert.equal(await within(c, 2000), '* 0 RECENT');
    c.write('DONE\r\n');
    assert.equal(await within(c, 2000), 'i OK IDLE terminated');
    assert.deepEqual(await c.command('SEARCH SUBJECT pushed', 'q'), ['* SEARCH 2', 'q OK SEARCH completed']);
    assert.deepEqual(await c.command('LOGOUT', 'o'), ['* BYE Logging out', 'o OK LOGOUT completed']);
    await c.waitClosed();
  });
});
