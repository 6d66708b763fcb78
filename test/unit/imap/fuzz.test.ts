// Fuzz: random and mutated commands through framing (random chunking), the
// parser and every argument grammar. Only ImapSyntaxError may come out; nothing
// hangs; buffered input stays within the limits. Fixed seed, so failures replay.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { commandTable } from '../../../firmware/imap/commands/index.ts';
import { ImapSyntaxError, parseCommand } from '../../../firmware/imap/parser.ts';
import { ImapStream, type StreamLimits } from '../../../firmware/imap/stream.ts';
import { ArgReader } from '../../../firmware/imap/syntax/args.ts';
import * as g from '../../../firmware/imap/syntax/commands.ts';
import { parseFetchArgs } from '../../../firmware/imap/syntax/fetch.ts';
import { parseSearchArgs } from '../../../firmware/imap/syntax/search.ts';
import { parseStoreArgs } from '../../../firmware/imap/syntax/store.ts';
import { type Fixture, PASSWORD, startFixture } from './fixture.ts';

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CORPUS = [
  'a1 CAPABILITY',
  'a2 LOGIN alice "pass word"',
  'a3 LOGIN {5}\r\nalice {3+}\r\npwd',
  'a4 AUTHENTICATE PLAIN AGFsaWNlAHB3ZA==',
  'a5 SELECT "INBOX" (CONDSTORE)',
  'a6 EXAMINE Entw&APw-rfe',
  'a7 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %/*) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))',
  'a8 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)',
  'a9 UID FETCH 1:*,4,7:9 (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject)]<0.100> BODY[1.2.MIME] BINARY[1]) (CHANGEDSINCE 5)',
  'b1 FETCH 1 FULL',
  'b2 SEARCH CHARSET UTF-8 OR (FROM "a" TO b) NOT SEEN SINCE 1-Feb-1994 HEADER X-Y {3+}\r\nabc UID 1:5 MODSEQ 7',
  'b3 UID STORE 1:* (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Seen $Junk)',
  'b4 APPEND Drafts (\\Draft) "05-Jan-2024 10:00:00 +0100" {11+}\r\nhello world',
  'b5 APPEND x ~{3+}\r\n\x00\x01\x02',
  'b6 UID MOVE 1:3 Trash',
  'b7 COPY 2,4 "Sent Items"',
  'b8 CREATE Work/2026 (USE (\\Archive))',
  'b9 RENAME "a b" c',
  'c1 ID ("name" "x" "version" NIL)',
  'c2 ENABLE CONDSTORE',
  'c3 UID EXPUNGE 1:4',
  'c4 IDLE',
  'c5 LSUB "" *',
  'c6 NAMESPACE',
];

const SPECIALS = [
  '(',
  ')',
  '{',
  '}',
  '"',
  '\\',
  '[',
  ']',
  '<',
  '>',
  '*',
  '%',
  '~',
  '+',
  ' ',
  '\r\n',
  '\n',
  '\0',
  '\xff',
  '{4294967296}',
  '{0}\r\n',
  '1:*',
  'NIL',
  '((((((((((',
  '~{',
];

function mutate(r: () => number, input: string): string {
  let s = input;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0:
        s = s.slice(0, at) + SPECIALS[Math.floor(r() * SPECIALS.length)] + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 5));
        break;
      case 2:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at + 1);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4: {
        const len = Math.floor(r() * 20);
        s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + Math.floor(r() * 8)) + s.slice(at + len);
        break;
      }
      case 5:
        s = s.slice(0, at) + CORPUS[Math.floor(r() * CORPUS.length)]!.slice(3) + s.slice(at);
        break;
      default:
        s = s.slice(0, at) + ' '.repeat(Math.floor(r() * 3)) + s.slice(at);
    }
  }
  return s;
}

function randomBytes(r: () => number): string {
  const len = Math.floor(r() * 80);
  let s = '';
  for (let i = 0; i < len; i++)
    s += r() < 0.3 ? SPECIALS[Math.floor(r() * SPECIALS.length)] : String.fromCharCode(32 + Math.floor(r() * 95));
  return s;
}

/** Every grammar, registered or not yet, by command name. */
const table = commandTable();
const EXTRA: Record<string, (a: ArgReader) => unknown> = {
  FETCH: parseFetchArgs,
  'UID FETCH': parseFetchArgs,
  SEARCH: parseSearchArgs,
  'UID SEARCH': parseSearchArgs,
  STORE: parseStoreArgs,
  'UID STORE': parseStoreArgs,
  APPEND: g.parseAppendArgs,
  COPY: g.parseCopyArgs,
  'UID COPY': g.parseCopyArgs,
  MOVE: g.parseCopyArgs,
  'UID MOVE': g.parseCopyArgs,
  'UID EXPUNGE': g.parseUidExpungeArgs,
  GETQUOTA: g.parseQuotaRootArg,
};

describe('imap fuzz', () => {
  it('20k random and mutated commands: only syntax errors, bounded buffers', () => {
    const r = rng(0x5eed);
    const limits: StreamLimits = { maxLineBytes: 4096, maxLiteralBytes: 65536, maxCommandBytes: 131072 };
    let frames = 0;
    let syntaxErrors = 0;
    let rejects = 0;
    let maxPending = 0;
    const stream = new ImapStream(
      {
        frame(frame) {
          frames++;
          for (const line of frame.lines) assert.ok(line.length <= limits.maxLineBytes);
          assert.ok(frame.size <= limits.maxCommandBytes + limits.maxLineBytes);
          try {
            const parsed = parseCommand(frame);
            const command = table.get(parsed.name);
            if (command !== undefined) command.prepare(new ArgReader(parsed.args));
            else EXTRA[parsed.name]?.(new ArgReader(parsed.args));
          } catch (err) {
            if (!(err instanceof ImapSyntaxError)) throw err;
            assert.ok(err.reason.length > 0 && err.reason.length < 80);
            syntaxErrors++;
          }
        },
        continuation: () => undefined,
        reject: () => {
          rejects++;
        },
        rawLine: () => undefined,
      },
      limits,
    );
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20_000; i++) {
      const base = CORPUS[Math.floor(r() * CORPUS.length)]!;
      const text = r() < 0.15 ? randomBytes(r) : r() < 0.2 ? base : mutate(r, base);
      const bytes = Buffer.from(`${text}\r\n`, 'latin1');
      // Random chunking, from single bytes to the whole command.
      let pos = 0;
      while (pos < bytes.length) {
        const size = r() < 0.3 ? 1 : 1 + Math.floor(r() * bytes.length);
        stream.push(bytes.subarray(pos, pos + size));
        pos += size;
      }
      maxPending = Math.max(maxPending, stream.pendingBytes);
      // A mutation may leave the stream inside a literal; a fresh CRLF-terminated
      // command eventually resynchronizes it, as a real client would.
    }
    if (process.env.FUZZ_STATS) console.log({ frames, syntaxErrors, rejects });
    assert.ok(frames > 10_000, `frames ${frames}`);
    assert.ok(syntaxErrors > 1000, `syntax errors ${syntaxErrors}`);
    assert.ok(rejects >= 0);
    assert.equal(maxPending, 0, 'an unpaused stream buffers nothing');
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
  });
});

describe('imap fuzz over a socket', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('mutated command streams never break the listener', async () => {
    const r = rng(42);
    for (let round = 0; round < 20; round++) {
      const c = await f.connect();
      await c.response();
      if (round % 5 === 1) await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'in');
      let blob = '';
      for (let i = 0; i < 40; i++) blob += `${mutate(r, CORPUS[Math.floor(r() * CORPUS.length)]!)}\r\n`;
      // Bodies of literals that mutations announced may swallow the rest; that is fine.
      c.write(Buffer.from(blob, 'latin1'));
      c.close();
    }
    const c = await f.connect();
    assert.match(await c.response(), /^\* OK/);
    assert.deepEqual(await c.command('NOOP', 'z'), ['z OK NOOP completed']);
    c.close();
  });
});
