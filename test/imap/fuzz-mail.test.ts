// Fuzz of the mail commands over a socket: random but well-framed FETCH,
// SEARCH, STORE, COPY, MOVE and EXPUNGE (odd sequence sets, sections of parts
// that do not exist, huge partials, nested search keys) against a mailbox of
// corpus messages, while a second session changes the mailbox. Every command
// must get its tagged reply, and the server must log no failure of its own.
// Fixed seed, so failures replay.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../../firmware/supervisor/service.ts';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append } from './support.ts';

const CORPUS = path.join(import.meta.dirname, '..', 'fixtures', 'mime');

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

function generator(r: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const num = () => pick(['1', '2', '3', '5', '8', '12', '20', '*', '*', '*', '4294967295']);
  // `0` is never a valid number: rare, so most commands get past the set.
  const set = () =>
    r() < 0.03 ? '0' : Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.5 ? num() : `${num()}:${num()}`)).join(',');
  const part = () => Array.from({ length: Math.floor(r() * 4) }, () => pick(['1', '2', '3', '9'])).join('.');
  const section = () => {
    const p = part();
    const text = pick(['', 'HEADER', 'TEXT', 'MIME', 'HEADER.FIELDS (Subject From)', 'HEADER.FIELDS.NOT (Received)']);
    if (p === '' && text === 'MIME') return 'HEADER';
    return [p, text].filter((s) => s !== '').join('.');
  };
  const partial = () => (r() < 0.3 ? `<${pick(['0', '5', '4294967295', '100'])}.${pick(['1', '10', '4294967295'])}>` : '');
  const item = () =>
    pick([
      'UID',
      'FLAGS',
      'INTERNALDATE',
      'RFC822.SIZE',
      'ENVELOPE',
      'BODYSTRUCTURE',
      'BODY',
      'MODSEQ',
      'RFC822.HEADER',
      'RFC822.TEXT',
      'RFC822',
      `BODY[${section()}]${partial()}`,
      `BODY.PEEK[${section()}]${partial()}`,
    ]);
  const key = (depth: number): string => {
    const simple = [
      'ALL',
      'SEEN',
      'UNSEEN',
      'FLAGGED',
      'DELETED',
      'NEW',
      'OLD',
      'RECENT',
      `LARGER ${num() === '*' ? 1 : Math.floor(r() * 5000)}`,
      `SMALLER ${Math.floor(r() * 5000)}`,
      `UID ${set()}`,
      set(),
      `BODY ${pick(['the', '"добрый"', '""', 'zzz', '"a b"'])}`,
      `TEXT ${pick(['subject', '"привет"', 'x'])}`,
      `SUBJECT ${pick(['lunch', '"="', 'Отчёт'])}`,
      `FROM ${pick(['example', 'ivan'])}`,
      `HEADER ${pick(['Content-Type', 'X-None'])} ${pick(['""', 'text'])}`,
      `SENTSINCE ${pick(['1-Jan-2000', '31-Dec-2030'])}`,
      `BEFORE ${pick(['1-Jan-2000', '31-Dec-2030'])}`,
      `KEYWORD $Fuzz`,
      `MODSEQ ${Math.floor(r() * 50)}`,
    ];
    if (depth > 2 || r() < 0.6) return pick(simple);
    return pick([`NOT ${key(depth + 1)}`, `OR ${key(depth + 1)} ${key(depth + 1)}`, `(${key(depth + 1)} ${key(depth + 1)})`]);
  };
  const uid = () => (r() < 0.4 ? 'UID ' : '');
  return () =>
    pick([
      () =>
        `${uid()}FETCH ${set()} (${Array.from({ length: 1 + Math.floor(r() * 4) }, item).join(' ')})${r() < 0.2 ? ' (CHANGEDSINCE 3)' : ''}`,
      () => `${uid()}FETCH ${set()} ${pick(['ALL', 'FAST', 'FULL'])}`,
      () => `${uid()}SEARCH ${r() < 0.2 ? 'CHARSET UTF-8 ' : ''}${key(0)} ${key(1)}`,
      () =>
        `${uid()}STORE ${set()} ${pick(['+FLAGS', '-FLAGS', 'FLAGS', '+FLAGS.SILENT'])} (${pick(['\\Seen', '\\Deleted', '$Fuzz', '\\Flagged \\Answered', ''])})`,
      () => `${uid()}COPY ${set()} ${pick(['Archive', 'Nope', 'INBOX'])}`,
      () => `${uid()}MOVE ${set()} ${pick(['Archive', 'Nope'])}`,
      () => pick(['EXPUNGE', 'NOOP', 'CHECK', `UID EXPUNGE ${set()}`]),
    ])();
}

describe('imap fuzz of the mail commands', { timeout: 120_000 }, () => {
  let f: Fixture;
  const errors: string[] = [];
  const log: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj: unknown, msg?: string) => {
      errors.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
    },
    fatal: () => undefined,
    child: () => log,
  } as Logger;
  before(async () => {
    f = await startFixture({ log });
  });
  after(() => f.close());

  it('600 random mail commands, two sessions: each answered, no server failure', async () => {
    const a: TestClient = await f.login();
    const b: TestClient = await f.login();
    for (const name of readdirSync(CORPUS).filter((n) => n.endsWith('.eml'))) {
      await append(a, 'INBOX', readFileSync(path.join(CORPUS, name)));
    }
    await a.command('SELECT INBOX');
    await b.command('SELECT INBOX');
    const next = generator(rng(7));
    for (let i = 0; i < 600; i++) {
      const c = i % 3 === 2 ? b : a;
      const tag = `z${i}`;
      const lines = await c.command(next(), tag);
      assert.match(lines.at(-1)!, new RegExp(`^${tag} (OK|NO|BAD) `));
      // Refill now and then, so MOVE and EXPUNGE keep finding messages.
      if (i % 100 === 99) {
        for (const name of ['simple-text.eml', 'forwarded-rfc822.eml', 'cp1251-8bit.eml']) {
          await append(b, 'INBOX', readFileSync(path.join(CORPUS, name)));
        }
      }
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(await a.command('NOOP', 'end').then((l) => l.at(-1)), 'end OK NOOP completed');
  });
});
