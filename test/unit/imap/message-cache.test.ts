// The listener's message cache against a real store: after any mix of
// deliveries, flag changes, copies and expunges its listing is the store's
// listing, it follows the change feed without listing the mailbox again, and
// a missed event is caught by the state check. Also the two shortcuts the
// quick FETCH relies on: INTERNALDATE formatting and header-field selection on
// strings, each against the function it replaces.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeaderFieldsCache } from '../../../firmware/imap/header-cache.ts';
import { MessageCache, summarize } from '../../../firmware/imap/message-cache.ts';
import { formatDateTime } from '../../../firmware/imap/syntax/dates.ts';
import { analyze, selectHeaderFields } from '../../../firmware/mime/index.ts';
import { type LevelMailStore, openStore } from '../../../firmware/store/index.ts';
import { headerFieldSelector } from '../../../firmware/store/message-columns.ts';
import type { MailStore, StoreEvent } from '../../../firmware/store/types.ts';

/** The store, counting full listings and optionally dropping change-feed events. */
function counted(store: LevelMailStore, drop: () => boolean = () => false): { store: MailStore; listings: () => number } {
  let listings = 0;
  const wrapper = Object.create(store) as MailStore;
  Object.assign(wrapper, {
    listMessageColumns: (id: string, range?: { from?: number; to?: number }) => {
      if (range === undefined) listings++;
      return store.listMessageColumns(id, range);
    },
    subscribe: (listener: (event: StoreEvent) => void) => store.subscribe((event) => (drop() ? undefined : listener(event))),
    getMailboxById: (id: string) => store.getMailboxById(id),
    getListenerCache: (name: string) => store.getListenerCache(name),
  });
  return { store: wrapper, listings: () => listings };
}

const body = (i: number) => Buffer.from(`From: a${i}@example.com\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`);

describe('the listener message cache', () => {
  let dir: string;
  let store: LevelMailStore;
  let inbox: string;
  let other: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-message-cache-'));
    store = await openStore({ dir, analyze });
    await store.addDomain('example.com');
    const account = await store.createAccount({ address: 'a@example.com', passwordHash: 'x' });
    inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
    other = (await store.getMailbox(account.id, 'Archive'))!.id;
    for (let i = 0; i < 40; i++) await store.appendMessage(inbox, body(i), { flags: i % 2 === 0 ? ['\\Seen'] : [] });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const same = async (cache: MessageCache) => {
    const listing = await cache.listingById(inbox);
    const want = await store.listMessages(inbox);
    assert.deepEqual(
      listing?.messages.map((m) => ({ ...m, flags: [...m.flags] })),
      want,
    );
    const box = (await store.getMailboxById(inbox))!;
    assert.ok(listing!.uidNext >= box.uidNext && listing!.highestModseq <= box.highestModseq);
    // SELECT's summary follows every change too (it is kept per state)
    const summary = listing!.summary();
    assert.deepEqual({ ...summary, flags: [...summary.flags].sort() }, { ...summarize(want), flags: [...summarize(want).flags].sort() });
  };

  it('follows flags, deliveries, copies and expunges without listing again', async () => {
    const { store: s, listings } = counted(store);
    const cache = new MessageCache(s);
    await same(cache);
    assert.equal(listings(), 1);
    await store.setFlags(inbox, [3, 4, 5], 'add', ['\\Flagged', '$Work']);
    await same(cache);
    await store.appendMessage(inbox, body(100), { flags: ['$New'] });
    await store.appendMessage(inbox, body(101));
    await same(cache);
    await store.expunge(inbox, [1, 7, 41]);
    await same(cache);
    await store.appendMessage(other, body(200));
    await store.copyMessages(other, [1], inbox);
    await store.setFlags(inbox, [2], 'replace', []);
    await same(cache);
    await store.setFlags(inbox, [2], 'add', ['\\Seen']);
    await same(cache);
    await store.moveMessages(inbox, [2, 3], other);
    await same(cache);
    assert.equal(listings(), 1, 'the mailbox was listed again');
    cache.close();
  });

  it('lists again when an event was missed', async () => {
    let dropping = false;
    const { store: s, listings } = counted(store, () => dropping);
    const cache = new MessageCache(s);
    await same(cache);
    dropping = true;
    await store.setFlags(inbox, [10], 'add', ['\\Answered']);
    dropping = false;
    await same(cache);
    assert.equal(listings(), 2);
    cache.close();
  });

  it('keeps no more messages than allowed', async () => {
    const { store: s, listings } = counted(store);
    const cache = new MessageCache(s, { maxMessages: 10 });
    await same(cache);
    await same(cache);
    assert.equal(listings(), 2, 'a mailbox over the limit is not kept');
    assert.equal(cache.has(inbox), false);
    cache.close();
  });

  it('narrows a body search over listed bodies as searchCandidates does', async () => {
    await store.appendMessage(inbox, Buffer.from('Subject: s\r\n\r\nthe walrus sings\r\n'));
    await store.appendMessage(inbox, Buffer.from('Subject: walrus in the subject\r\n\r\nnothing\r\n'));
    const metas = await store.listMessages(inbox);
    for (const terms of [['walrus'], ['walrus', 'sings'], ['message 3'], ['nowhere at all']]) {
      const verdicts = await store.searchBodyCandidates(
        metas.map((m) => m.blobId),
        terms,
      );
      const uids = metas.filter((_, i) => verdicts?.[i] === 1).map((m) => m.uid);
      assert.deepEqual(uids, await store.searchCandidates(inbox, terms), terms.join());
    }
    assert.equal(await store.searchBodyCandidates([metas[0]!.blobId], ['ab']), undefined);
    assert.deepEqual([...(await store.searchBodyCandidates(['not-a-blob'], ['walrus']))!], [1]);
  });

  it('keeps, gives back and drops listener cache records', async () => {
    assert.equal(await store.getListenerCache('imap-fields:x'), undefined);
    await store.setListenerCache('imap-fields:x', { v: 1, values: 'a\r\nb' });
    assert.deepEqual(await store.getListenerCache('imap-fields:x'), { v: 1, values: 'a\r\nb' });
    await store.setListenerCache('imap-fields:x', undefined);
    assert.equal(await store.getListenerCache('imap-fields:x'), undefined);
    await assert.rejects(store.getListenerCache(''), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(store.setListenerCache('x'.repeat(201), 1), { code: 'INVALID_ARGUMENT' });
  });

  it('warms the mailboxes its record names at a start; a listing asked meanwhile waits for it, and a closed cache does nothing', async () => {
    await store.setListenerCache('imap-warm:test', { v: 1, mailboxIds: ['no-such-mailbox', inbox] });
    const { store: wrapped, listings } = counted(store);
    const cache = new MessageCache(wrapped, { warmRecord: 'imap-warm:test' });
    const warmed: Array<[string, number]> = [];
    const warming = cache.warm(async (id, messages) => {
      warmed.push([id, messages.length]);
    });
    // asked while the warm-up runs: one listing of the mailbox, not two
    const [listing] = await Promise.all([cache.listing((await store.getMailboxById(inbox))!), warming]);
    assert.deepEqual(warmed, [[inbox, 40]]);
    assert.equal(listings(), 1);
    assert.equal(listing.messages.length, 40);
    await same(cache);
    cache.close();

    const closed = new MessageCache(wrapped, { warmRecord: 'imap-warm:test' });
    closed.close();
    await closed.warm(async (id) => {
      warmed.push([id, -1]);
    });
    assert.equal(warmed.length, 1);
    assert.equal(listings(), 1);
    await store.setListenerCache('imap-warm:test', undefined);
  });

  it('keeps quick FETCH responses with listed records, within its bound and until a record changes', async () => {
    const cache = new MessageCache(store, { maxResponseChars: 100 });
    const listing = (await cache.listingById(inbox))!;
    const [a, b] = listing.messages;
    cache.keepResponseTail(a!, 'UID', 'x'.repeat(60));
    cache.keepResponseTail(b!, 'UID', 'y'.repeat(60));
    assert.equal(cache.responseTail(a!, 'UID'), 'x'.repeat(60));
    assert.equal(cache.responseTail(a!, 'FLAGS'), undefined, 'another shape');
    assert.equal(cache.responseTail(b!, 'UID'), undefined, 'over the bound');
    await store.setFlags(inbox, [a!.uid], 'add', ['$Changed']);
    const after = (await cache.listingById(inbox))!;
    assert.equal(cache.responseTail(after.messages[0]!, 'UID'), undefined, 'a changed record has no kept response');
    cache.close();
  });

  it('formats INTERNALDATE as formatDateTime does', () => {
    const cache = new MessageCache(store);
    const dates = [0, -1, -86_400_001, 951_868_799_999, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 253_402_300_799_000];
    for (let i = 0; i < 2000; i++) dates.push(Math.floor(Math.sin(i) * 4e12));
    for (const internalDate of dates) {
      const meta = { mailboxId: inbox, uid: 1, blobId: 'x', size: 1, internalDate, flags: [], modseq: 1 };
      assert.equal(cache.dateText(meta), formatDateTime(internalDate), String(internalDate));
    }
  });
});

describe('the header fields cache', () => {
  it('stays within its bytes, oldest first, and keys field lists case-insensitively', () => {
    const cache = new HeaderFieldsCache({ maxBytes: 10_000 });
    const key = HeaderFieldsCache.listKey(['From', 'subject'], false);
    assert.equal(key, HeaderFieldsCache.listKey(['FROM', 'SUBJECT'], false));
    assert.notEqual(key, HeaderFieldsCache.listKey(['FROM', 'SUBJECT'], true));
    for (let i = 0; i < 200; i++) cache.set(key, `blob${i}`, 'x'.repeat(100));
    assert.ok(cache.size <= 10_000, String(cache.size));
    const kept = cache.entries(key)!;
    assert.equal(kept.has('blob0'), false);
    assert.equal(kept.get('blob199'), 'x'.repeat(100));
    new HeaderFieldsCache({ maxBytes: 0 }).set(key, 'b', 'v');
  });
});

describe('header-field selection on strings', () => {
  const cases = [
    'From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\n',
    'FROM: a\r\nfrom: b\r\nX-From: c\r\nSubject:\r\n\tfolded\r\n  twice\r\n\r\n',
    'From : spaced\r\nSubject\t: tabbed\r\n\r\n',
    'From: a\nSubject: bare lf\n\n',
    'From: a\r\nSubject: no blank line\r\n',
    'From: a\r\nSubject: no line end',
    ' stray continuation\r\nFrom: a\r\n\r\n',
    'From: a\r\ngarbage\r\nSubject: after garbage\r\n\r\n',
    'From: a\r\n--boundary\r\n\r\n',
    'From: a\r\n\r\nextra after the blank line\r\n',
    'Fr\xe9m: eight-bit name\r\nFrom: \xe9\xff\r\n\r\n',
    'From: a\rb\r\nSubject: lone CR\r\n\r\n',
    ':empty name\r\nFrom: a\r\n\r\n',
    '\r\n',
    '',
  ];
  const lists: Array<[string[], boolean]> = [
    [['FROM', 'SUBJECT'], false],
    [['FROM', 'SUBJECT'], true],
    [['MESSAGE-ID'], false],
    [[], true],
  ];
  const reference = (head: string, names: string[], not: boolean) =>
    Buffer.from(selectHeaderFields(Buffer.from(head, 'latin1'), names, not)).toString('latin1');

  it('gives what selectHeaderFields gives for odd shapes', () => {
    for (const [names, not] of lists) {
      const select = headerFieldSelector(names, not);
      for (const head of cases) assert.equal(select(head), reference(head, names, not), JSON.stringify([head, names, not]));
    }
  });

  it('gives what selectHeaderFields gives for random headers', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = ['From', 'Subject', 'to', 'X-A', ':', ': ', ' ', '\t', '\r\n', '\n', '\r', 'v', '\xe9', '-', '--', ' :'];
    for (let n = 0; n < 3000; n++) {
      let head = '';
      const parts = Math.floor(next() * 30);
      for (let i = 0; i < parts; i++) head += pieces[Math.floor(next() * pieces.length)];
      if (next() < 0.7) head += '\r\n\r\n';
      for (const [names, not] of lists) {
        assert.equal(headerFieldSelector(names, not)(head), reference(head, names, not), JSON.stringify([head, names, not]));
      }
    }
  });
});
