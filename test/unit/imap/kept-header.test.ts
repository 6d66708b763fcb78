// The top-level header kept at delivery (BodyInfo.head, the store's bhead:
// record) answers BODY[HEADER], BODY[HEADER.FIELDS (...)], .NOT, partials and
// RFC822.HEADER byte for byte as the structure and the blob do: every MIME
// fixture and some edge shapes go into a store whose analyzer keeps heads and
// into one whose analyzer does not, and the FETCH values must be equal.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchValues } from '../../../firmware/imap/fetch-response.ts';
import { MessageContent } from '../../../firmware/imap/message-content.ts';
import type { FetchItem } from '../../../firmware/imap/syntax/fetch.ts';
import { analyze } from '../../../firmware/mime/index.ts';
import { type LevelMailStore, openStore } from '../../../firmware/store/index.ts';
import type { MessageMeta } from '../../../firmware/store/types.ts';

const CORPUS = path.join(import.meta.dirname, '..', '..', 'fixtures', 'mime');

function header(lines: number, lineEnd = '\r\n'): string {
  return Array.from({ length: lines }, (_, i) => `X-Filler-${i}: ${'v'.repeat(60)}`).join(lineEnd) + lineEnd;
}

const EDGES: Buffer[] = [
  Buffer.from('Subject: only a header, no blank line, no end of line'),
  Buffer.from('Subject: lf only\nFrom: a@example.com\n\nbody\n'),
  Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\n'),
  // a header just under and well over the 16 KB kept at delivery
  Buffer.from(`Subject: long\r\n${header(220)}\r\nbody\r\n`),
  Buffer.from(`Subject: longer\r\n${header(400)}\r\nbody\r\n`),
  Buffer.from('Subject: boundary right after\r\n--not-a-field\r\n\r\nbody\r\n'),
];

const body = (text: SectionTextArg, fields?: string[], partial?: { offset: number; length: number }): FetchItem => ({
  kind: 'body',
  peek: true,
  section: { part: [], text, ...(fields === undefined ? {} : { fields }) },
  ...(partial === undefined ? {} : { partial }),
});
type SectionTextArg = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';

const ITEMS: FetchItem[] = [
  body('HEADER'),
  body('HEADER', undefined, { offset: 5, length: 30 }),
  body('HEADER', undefined, { offset: 100_000, length: 10 }),
  body('HEADER.FIELDS', ['FROM', 'TO', 'SUBJECT', 'DATE', 'MESSAGE-ID']),
  body('HEADER.FIELDS', ['SUBJECT'], { offset: 2, length: 7 }),
  body('HEADER.FIELDS.NOT', ['SUBJECT', 'X-FILLER-3']),
  { kind: 'simple', name: 'RFC822.HEADER' },
];

describe('the top-level header kept at delivery', () => {
  let dir: string;
  let kept: LevelMailStore;
  let plain: LevelMailStore;
  const metas: Array<[MessageMeta, MessageMeta]> = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-kept-header-'));
    kept = await openStore({ dir: path.join(dir, 'kept'), analyze });
    plain = await openStore({
      dir: path.join(dir, 'plain'),
      analyze: (b) => {
        const { head: _head, ...rest } = analyze(b);
        return rest;
      },
    });
    const bodies = [
      ...readdirSync(CORPUS)
        .filter((n) => n.endsWith('.eml'))
        .map((n) => readFileSync(path.join(CORPUS, n))),
      ...EDGES,
    ];
    for (const store of [kept, plain]) {
      await store.addDomain('example.com');
      await store.createAccount({ address: 'a@example.com', passwordHash: 'x' });
    }
    const boxes = await Promise.all(
      [kept, plain].map(async (s) => (await s.getMailbox((await s.findAccount('a@example.com'))!.id, 'INBOX'))!.id),
    );
    for (const b of bodies) {
      metas.push([await kept.appendMessage(boxes[0]!, b), await plain.appendMessage(boxes[1]!, b)]);
    }
  });
  after(async () => {
    await kept.close();
    await plain.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a header for most bodies and none over 16 KB', async () => {
    const heads = await kept.getBodyHeads(metas.map(([m]) => m.blobId));
    const sizes = metas.map((_, i) => heads.offsets[i + 1]! - heads.offsets[i]!);
    assert.ok(sizes.filter((n) => n > 0).length >= metas.length - 3, `kept: ${sizes.join(' ')}`);
    assert.ok(sizes.every((n) => n <= 16 * 1024));
    const none = await plain.getBodyHeads(metas.map(([, m]) => m.blobId));
    assert.equal(none.bytes.length, 0);
    assert.deepEqual([...(await kept.getBodyHeads(['nonsense', 'f'.repeat(64)])).offsets], [0, 0, 0]);
  });

  it('answers every header item exactly as the structure and the blob do', async () => {
    const withHeads = new MessageContent(kept);
    withHeads.install(
      await withHeads.load(
        metas.map(([m]) => m),
        { structures: false, heads: true },
      ),
    );
    const without = new MessageContent(plain);
    without.install(
      await without.load(
        metas.map(([, m]) => m),
        { structures: true, heads: true },
      ),
    );
    let fromKept = 0;
    for (const [a, b] of metas) {
      if (withHeads.keptHeader(a) !== undefined) fromKept++;
      assert.equal(without.keptHeader(b), undefined);
      assert.deepEqual(await fetchValues(a, ITEMS, withHeads), await fetchValues(b, ITEMS, without), `body ${a.blobId}`);
    }
    assert.ok(fromKept >= metas.length - 3);
  });
});
