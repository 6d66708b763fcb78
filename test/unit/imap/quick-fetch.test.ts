// The first-sync FETCH written straight to bytes (fetch-quick.ts) from the
// listener's message and header caches must say exactly what the general
// path says: every MIME fixture and some edge shapes (bare LF, no blank line,
// a header too long to be kept, 8-bit bytes, keywords) go into a mailbox, and
// each FETCH line is compared byte for byte with the general path's
// (fetchValues + the compiler, reading the structure and the blob). Then
// changes made by another session must show, in the untagged updates and in
// the next FETCH.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { atom, compileToBuffer } from '../../../firmware/imap/compiler.ts';
import { fetchValues } from '../../../firmware/imap/fetch-response.ts';
import { RECORD_MIN, recordName } from '../../../firmware/imap/fields-record.ts';
import { HeaderFieldsCache } from '../../../firmware/imap/header-cache.ts';
import { listingRecordName, WARM_RECORD } from '../../../firmware/imap/message-cache.ts';
import { MessageContent } from '../../../firmware/imap/message-content.ts';
import { createImapServer } from '../../../firmware/imap/server.ts';
import type { FetchItem } from '../../../firmware/imap/syntax/fetch.ts';
import type { MailStore, MessageMeta } from '../../../firmware/store/types.ts';
import { TestClient } from './client.ts';
import { type Fixture, PASSWORD, startFixture } from './fixture.ts';

const CORPUS = path.join(import.meta.dirname, '..', '..', 'fixtures', 'mime');

function filler(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `X-Filler-${i}: ${'v'.repeat(60)}`).join('\r\n');
}

const EDGES: Buffer[] = [
  Buffer.from('Subject: only a header, no blank line, no end of line'),
  Buffer.from('Subject: lf only\nFrom: a@example.com\n\nbody\n'),
  Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\n'),
  Buffer.from('From : spaced@example.com\r\nsubject:lower\r\nTo:\r\n folded@example.com\r\n\r\nbody\r\n'),
  Buffer.from('Received: x\r\ngarbage line\r\nFrom: after-garbage@example.com\r\n\r\nbody\r\n'),
  Buffer.concat([Buffer.from('From: =?x?= '), Buffer.from([0xe9, 0xff, 0x80]), Buffer.from(' <8bit@example.com>\r\n\r\nbody\r\n')]),
  Buffer.from(`Subject: longer than kept\r\n${filler(400)}\r\n\r\nbody\r\n`),
  Buffer.from('Subject: boundary right after\r\n--not-a-field\r\n\r\nbody\r\n'),
];

const FIELDS = ['FROM', 'TO', 'SUBJECT', 'DATE', 'MESSAGE-ID'];
const fields = (not: boolean): FetchItem => ({
  kind: 'body',
  peek: true,
  section: { part: [], text: not ? 'HEADER.FIELDS.NOT' : 'HEADER.FIELDS', fields: FIELDS },
});
const simple = (name: 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'MODSEQ'): FetchItem => ({ kind: 'simple', name });

/** What the general path sends for one message: fetchValues over the structure and blob, compiled. */
async function expected(f: Fixture, metas: readonly MessageMeta[], items: readonly FetchItem[]): Promise<string[]> {
  const content = new MessageContent(f.store);
  const out: string[] = [];
  for (const [i, meta] of metas.entries()) {
    const values = await fetchValues(meta, items, content);
    out.push(
      compileToBuffer({ type: 'data', values: [i + 1, atom('FETCH'), values] })
        .toString('latin1')
        .slice(0, -2),
    );
  }
  return out;
}

describe('the first-sync FETCH from the listener caches', () => {
  let f: Fixture;
  let inbox: string;
  const headers = new HeaderFieldsCache();
  before(async () => {
    f = await startFixture({ headerCache: headers });
    inbox = (await f.store.getMailbox(f.account.id, 'INBOX'))!.id;
    const bodies = [
      ...readdirSync(CORPUS)
        .filter((n) => n.endsWith('.eml'))
        .map((n) => readFileSync(path.join(CORPUS, n))),
      ...EDGES,
    ];
    const flagSets = [[], ['\\Seen'], ['\\Seen', '$Label1'], ['\\Answered', '\\Flagged']];
    for (const [i, body] of bodies.entries()) {
      await f.store.appendMessage(inbox, body, {
        flags: flagSets[i % flagSets.length]!,
        internalDate: Date.UTC(2020, 1, 29, 23, 59, 59) + i * 3_600_123,
      });
    }
    // a copy of the first body: two messages, one kept header
    await f.store.appendMessage(inbox, bodies[0]!, { flags: ['\\Seen'] });
  });
  after(() => f.close());

  for (const not of [false, true]) {
    it(`says byte for byte what the general path says (HEADER.FIELDS${not ? '.NOT' : ''}), cold and from the caches`, async () => {
      const c = await f.login();
      await c.command('SELECT INBOX');
      const metas = await f.store.listMessages(inbox);
      const items = [simple('UID'), simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), fields(not)];
      const want = await expected(f, metas, items);
      const command = `FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS${not ? '.NOT' : ''} (From To Subject Date Message-ID)])`;
      for (let round = 0; round < 2; round++) {
        const got = await c.command(command);
        assert.equal(got.at(-1)?.split(' ')[1], 'OK');
        assert.deepEqual(got.slice(0, -1), want, `round ${round}`);
      }
      // the quick path ran: the fields of every distinct body were selected and kept
      const kept = headers.entries(HeaderFieldsCache.listKey(FIELDS, not));
      assert.equal(kept?.size, new Set(metas.map((m) => m.blobId)).size);
      assert.ok([...kept!.values()].filter((v) => v === '').length <= 3, 'bodies without a kept header');
      c.close();
    });
  }

  it('answers UID FETCH with MODSEQ and a subset, in order', async () => {
    const c = await f.login();
    await c.command('SELECT INBOX (CONDSTORE)');
    const metas = await f.store.listMessages(inbox);
    const picked = metas.filter((_, i) => i % 3 !== 1);
    const items = [simple('UID'), simple('MODSEQ'), fields(false)];
    const want = (await expected(f, metas, items)).filter((_, i) => i % 3 !== 1);
    const set = picked.map((m) => m.uid).join(',');
    const got = await c.command(`UID FETCH ${set} (MODSEQ BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])`);
    assert.deepEqual(got.slice(0, -1), want);
    c.close();
  });

  it('shows flag changes, expunges and new mail made by another session', async () => {
    const a = await f.login();
    const b = await f.login();
    await a.command('SELECT INBOX');
    await b.command('SELECT INBOX');
    const first = await a.command('FETCH 1:* (UID FLAGS)');
    const count = first.length - 1;
    // the same items before the changes: their responses are kept with the records
    await a.command('FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])');
    await b.command('STORE 2 +FLAGS.SILENT (\\Flagged $Urgent)');
    await b.command('STORE 3 +FLAGS.SILENT (\\Deleted)');
    await b.command('EXPUNGE');
    await f.store.appendMessage(inbox, Buffer.from('From: late@example.com\r\nSubject: late\r\n\r\nbody\r\n'));
    const noop = await a.command('NOOP');
    assert.ok(noop.includes('* 3 EXPUNGE'), noop.join('\n'));
    assert.ok(noop.includes(`* ${count} EXISTS`), noop.join('\n'));
    assert.ok(
      noop.some((l) => /^\* 2 FETCH \(FLAGS \(.*\\Flagged.*\)\)$/.test(l) && l.includes('$Urgent')),
      noop.join('\n'),
    );
    const metas = await f.store.listMessages(inbox);
    const want = await expected(f, metas, [simple('UID'), simple('FLAGS'), fields(false)]);
    const got = await a.command('FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])');
    assert.deepEqual(got.slice(0, -1), want);
    a.close();
    b.close();
  });

  it('leaves an expunged message out of a FETCH until the session is told', async () => {
    const a = await f.login();
    const b = await f.login();
    await a.command('SELECT INBOX');
    await b.command('SELECT INBOX');
    const before = await a.command('FETCH 1:* (UID)');
    await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('EXPUNGE');
    // FETCH may not send EXPUNGE (RFC 3501 7.4.1): message 1 keeps its number and is left out
    const during = await a.command('FETCH 1:* (UID FLAGS)');
    assert.equal(during.length, before.length - 1);
    assert.ok(!during.some((l) => l.includes('EXPUNGE')));
    assert.ok(during[0]!.startsWith('* 2 FETCH'), during[0]);
    const noop = await a.command('NOOP');
    assert.ok(noop.includes('* 1 EXPUNGE'), noop.join('\n'));
    a.close();
    b.close();
  });
});

describe('SEARCH narrowed by the index over the kept listing', () => {
  let f: Fixture;
  const asked: number[] = [];
  before(async () => {
    // the seam as the service wires it: only the listed bodies' signatures are read
    f = await startFixture({
      async searchCandidates(_mailboxId, terms, messages) {
        assert.ok(messages !== undefined, 'the listing is passed');
        asked.push(messages.length);
        const verdicts = await f.store.searchBodyCandidates(
          messages.map((m) => m.blobId),
          terms,
        );
        return verdicts === undefined ? undefined : new Set(messages.filter((_, i) => verdicts[i] === 1).map((m) => m.uid));
      },
    });
    const inbox = (await f.store.getMailbox(f.account.id, 'INBOX'))!.id;
    const bodies = [
      'Subject: plain\r\n\r\nthe Narwhal swims\r\n',
      'Subject: narwhal in the header only\r\n\r\nnothing here\r\n',
      `Subject: b64\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('a NARWHAL, encoded').toString('base64')}\r\n`,
      'Subject: qp\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nnar=\r\nwhal split by a soft break\r\n',
      'Subject: none\r\n\r\nwalrus\r\n',
    ];
    for (const b of bodies) await f.store.appendMessage(inbox, Buffer.from(b));
  });
  after(() => f.close());

  it('finds exactly the bodies that contain the word, decoded, and not the header-only one', async () => {
    const c = await f.login();
    await c.command('SELECT INBOX');
    assert.deepEqual(await c.command('SEARCH BODY narwhal', 's1'), ['* SEARCH 1 3 4', 's1 OK SEARCH completed']);
    assert.deepEqual(await c.command('SEARCH TEXT narwhal', 's2'), ['* SEARCH 1 2 3 4', 's2 OK SEARCH completed']);
    assert.deepEqual(await c.command('SEARCH BODY "narwhal swims" NOT BODY walrus', 's3'), ['* SEARCH 1', 's3 OK SEARCH completed']);
    assert.ok(asked.length >= 3 && asked.every((n) => n > 0));
    c.close();
  });
});

describe('the fields and listing records: a first sync after a restart reads two records', () => {
  let f: Fixture;
  let inbox: string;
  const COMMAND = 'FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From Subject)])';
  before(async () => {
    f = await startFixture();
    inbox = (await f.store.getMailbox(f.account.id, 'INBOX'))!.id;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < RECORD_MIN + 50; i++) {
      pending.push(
        f.store.appendMessage(inbox, Buffer.from(`From: a${i}@example.com\r\nSubject: s${i}\r\nX-Other: o\r\n\r\nbody ${i}\r\n`)),
      );
      if (pending.length >= 32) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  });
  const open: Array<() => Promise<void>> = [];
  after(async () => {
    // listeners a failed test left open go first
    for (const close of open.splice(0)) await close();
    await f.close();
  });

  /** A fresh listener (empty caches) on the same store, counting the bodies whose fields it reads. */
  async function restarted(): Promise<{
    client: TestClient;
    read: () => number;
    listed: () => number;
    records: () => number;
    close: () => Promise<void>;
  }> {
    let read = 0;
    let listed = 0;
    let records = 0;
    const real = f.store;
    const getHeaderFields: MailStore['getHeaderFields'] = (ids, names, not) => {
      read += ids.length;
      return real.getHeaderFields(ids, names, not);
    };
    const listMessageColumns: MailStore['listMessageColumns'] = (id, range) => {
      if (range === undefined) listed++;
      return real.listMessageColumns(id, range);
    };
    const getListenerCache: MailStore['getListenerCache'] = (name) => {
      if (name.startsWith('imap-fields:')) records++;
      return real.getListenerCache(name);
    };
    // the real store (its private fields need it as `this`), three methods counted
    const store = new Proxy(real, {
      get(target, prop) {
        if (prop === 'getHeaderFields') return getHeaderFields;
        if (prop === 'listMessageColumns') return listMessageColumns;
        if (prop === 'getListenerCache') return getListenerCache;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as MailStore;
    const server = createImapServer({ ...f.deps, store });
    const { port } = await server.listen(0, '127.0.0.1');
    const client = await TestClient.connect(port);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      client.close();
      await server.close(Date.now() + 1000);
    };
    open.push(close);
    await client.response();
    await client.command(`LOGIN alice@example.com "${PASSWORD}"`);
    await client.command('SELECT INBOX');
    return {
      client,
      read: () => read,
      listed: () => listed,
      records: () => records,
      close,
    };
  }

  async function recordHolds(): Promise<number | undefined> {
    const record = (await f.store.getListenerCache(recordName(inbox))) as { ids?: string } | undefined;
    return record?.ids?.split('\n').length;
  }

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await check());
  }

  it('is written by a big first sync and read by the next listener instead of the headers', async () => {
    const first = await restarted();
    const want = await first.client.command(COMMAND);
    assert.equal(first.read(), RECORD_MIN + 50);
    await eventually(async () => (await recordHolds()) === RECORD_MIN + 50);
    await first.close();

    const second = await restarted();
    assert.deepEqual(await second.client.command(COMMAND), want);
    assert.equal(second.read(), 0, 'fields read from the store');
    // the responses it gave back stay with the listing: a second FETCH reads no record
    assert.deepEqual((await second.client.command(COMMAND)).slice(0, -1), want.slice(0, -1));
    assert.equal(second.records(), 1);
    // an expunge drops it: the fields of deleted mail do not stay behind
    await second.client.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await second.client.command('EXPUNGE');
    await eventually(async () => (await recordHolds()) === undefined);
    await second.close();
  });

  it('is dropped when it holds a body the mailbox no longer has, and used only for those it has', async () => {
    const first = await restarted();
    await first.client.command(COMMAND);
    await eventually(async () => (await recordHolds()) === RECORD_MIN + 49);
    await first.close();
    // expunged while no listener knew of the record
    await f.store.expunge(inbox, [2]);
    const second = await restarted();
    const got = await second.client.command(COMMAND);
    assert.equal(got.length, RECORD_MIN + 48 + 1);
    assert.ok(!got.some((l) => l.includes('s1\r\n')), 'the expunged message is not answered');
    assert.equal(second.read(), 0);
    await eventually(async () => (await recordHolds()) !== RECORD_MIN + 49);
    await second.close();
  });
  it('keeps a big listing at a stop for the next SELECT, only while the mailbox is unchanged', async () => {
    const first = await restarted();
    const want = await first.client.command('FETCH 1:* (UID FLAGS)');
    await first.close();
    assert.ok((await f.store.getListenerCache(listingRecordName(inbox))) !== undefined, 'kept at the stop');

    const second = await restarted();
    assert.equal(second.listed(), 0, 'SELECT listed the mailbox');
    assert.deepEqual(await second.client.command('FETCH 1:* (UID FLAGS)'), want);
    await eventually(async () => (await f.store.getListenerCache(listingRecordName(inbox))) === undefined);
    await second.close();

    // changed while no listener ran: the kept listing is not used
    await f.store.setFlags(inbox, [3], 'add', ['\\Flagged']);
    const third = await restarted();
    assert.equal(third.listed(), 1);
    const got = await third.client.command('FETCH 1:* (UID FLAGS)');
    assert.ok(
      got.some((l) => /^\* \d+ FETCH \(UID 3 FLAGS \(\\Flagged\)\)$/.test(l)),
      got.slice(0, 3).join('\n'),
    );
    await third.close();
  });
  it('keeps whole responses too, taken only for messages whose flags did not change since', async () => {
    const command = 'FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)])';
    const first = await restarted();
    const want = await first.client.command(command);
    await eventually(async () => {
      const record = (await f.store.getListenerCache(recordName(inbox))) as { responses?: { uids: number[] } } | undefined;
      return record?.responses?.uids.length === want.length - 1;
    });
    await first.close();
    const changed = Number(/UID (\d+)/.exec(want[10]!)![1]);
    await f.store.setFlags(inbox, [changed], 'add', ['$Kept']);
    const second = await restarted();
    const got = await second.client.command(command);
    assert.equal(second.read(), 0, 'fields read from the store');
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length - 1; i++) {
      if (i === 10) assert.ok(got[i]!.includes('$Kept') && !want[i]!.includes('$Kept'), got[i]);
      else assert.equal(got[i], want[i]);
    }
    // the record is read once: the responses it gave back stay with the listing
    assert.deepEqual((await second.client.command(command)).slice(0, -1), got.slice(0, -1));
    assert.equal(second.records(), 1);
    await second.close();
  });
  it('is read at the next listener start with the listing, before the first sync asks', async () => {
    const command = 'FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)])';
    const first = await restarted();
    const want = await first.client.command(command);
    await eventually(async () => {
      const record = (await f.store.getListenerCache(recordName(inbox))) as { responses?: { uids: number[] } } | undefined;
      return record?.responses?.uids.length === want.length - 1;
    });
    await first.close();
    assert.deepEqual(await f.store.getListenerCache(WARM_RECORD), { v: 1, mailboxIds: [inbox] });
    const second = await restarted();
    // SELECT waited for the start's warm-up: the kept listing, then the fields record, both read already
    assert.equal(second.listed(), 0, 'SELECT listed the mailbox');
    assert.equal(second.records(), 1, 'fields record read at the start');
    const got = await second.client.command(command);
    assert.deepEqual(got.slice(0, -1), want.slice(0, -1));
    assert.equal(second.read(), 0, 'fields read from the store');
    assert.equal(second.records(), 1, 'fields record read again by the FETCH');
    await second.close();
  });
});
