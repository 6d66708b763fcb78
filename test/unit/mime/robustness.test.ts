// Hostile and broken input: the parser never throws, offsets stay inside the
// body, limits hold, and big messages go through in linear time (no timing
// assertions: the suite's own time is the check).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  analyze,
  analyzeMessage,
  decodePartText,
  findPart,
  imapBodyStructure,
  imapEnvelope,
  type MessageStructure,
  type MimePart,
  searchText,
  selectHeaderFields,
} from '../../../firmware/mime/index.ts';
import { opaqueStructure, parseStructure } from '../../../firmware/mime/structure.ts';
import { fixture, fixtureNames } from './fixtures.ts';
import { wire } from './imap-wire.ts';

/** Every part's ranges are ordered, inside the body, and children sit inside their parent's body. */
function checkPart(part: MimePart, lo: number, hi: number, length: number, where: string): number {
  assert.ok(lo <= part.headerStart, `${where}: headerStart ${part.headerStart} < ${lo}`);
  assert.ok(part.headerStart <= part.headerEnd, `${where}: header order`);
  assert.equal(part.headerEnd, part.bodyStart, `${where}: headerEnd = bodyStart`);
  assert.ok(part.bodyStart <= part.bodyEnd, `${where}: body order`);
  assert.ok(part.bodyEnd <= hi && hi <= length, `${where}: bodyEnd ${part.bodyEnd} > ${hi}`);
  assert.equal(part.size, part.bodyEnd - part.bodyStart, `${where}: size`);
  assert.equal(part.type, part.type.toLowerCase());
  let count = 1;
  if (part.parts !== undefined) {
    assert.ok(part.parts.length >= 1, `${where}: a multipart has parts`);
    for (const [i, child] of part.parts.entries()) count += checkPart(child, part.bodyStart, part.bodyEnd, length, `${where}.${i + 1}`);
  }
  if (part.message !== undefined) count += checkPart(part.message.root, part.bodyStart, part.bodyEnd, length, `${where}.msg`);
  return count;
}

function checkAll(body: Uint8Array, where: string): MessageStructure {
  // parseStructure has no safety net: a bug shows here instead of turning into an opaque structure.
  const s = parseStructure(body);
  assert.deepEqual(analyzeMessage(body), s);
  assert.equal(s.root.headerStart, 0);
  assert.equal(s.root.bodyEnd, body.length);
  checkPart(s.root, 0, body.length, body.length, where);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  imapBodyStructure(s, true);
  imapEnvelope(s);
  assert.equal(typeof searchText(body, s), 'string');
  const header = Buffer.from(body).subarray(s.root.headerStart, s.root.headerEnd);
  assert.ok(
    Buffer.from(selectHeaderFields(header, ['From', 'Subject'], false))
      .toString('latin1')
      .endsWith('\r\n'),
  );
  selectHeaderFields(header, ['Received'], true);
  const leaves = (p: MimePart): MimePart[] => (p.parts ? p.parts.flatMap(leaves) : p.message ? leaves(p.message.root) : [p]);
  for (const leaf of leaves(s.root)) assert.equal(typeof decodePartText(body, leaf), 'string');
  for (const path of [[], [1], [2], [1, 1], [1, 2, 1], [2, 1]]) {
    const at = findPart(s, path);
    if (at === undefined) continue;
    for (const r of [at.mime, at.body, at.header, at.text]) {
      if (r !== undefined) assert.ok(0 <= r.start && r.start <= r.end && r.end <= body.length, `${where} [${path}]`);
    }
  }
  return s;
}

/** Small deterministic PRNG so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const SNIPPETS = [
  '\r\n',
  '\n',
  '\r\n\r\n',
  '--',
  '--b1\r\n',
  '--outer--',
  ':',
  ';',
  '"',
  '(',
  '<',
  '=?',
  '?=',
  '=?utf-8?B?',
  '*0*=',
  "''",
  ' ',
  '\t',
  '\0',
  '\xff',
];

function mutate(input: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(input);
  const ops = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rnd() * (b.length + 1));
    const op = Math.floor(rnd() * 6);
    if (op === 0 && b.length > 0) {
      b[Math.min(at, b.length - 1)] = Math.floor(rnd() * 256);
    } else if (op === 1) {
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + Math.floor(rnd() * 40)))]);
    } else if (op === 2) {
      const s = SNIPPETS[Math.floor(rnd() * SNIPPETS.length)]!;
      b = Buffer.concat([b.subarray(0, at), Buffer.from(s, 'latin1'), b.subarray(at)]);
    } else if (op === 3) {
      const len = Math.floor(rnd() * 80);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    } else if (op === 4) {
      b = b.subarray(0, at);
    } else {
      // Swap line ends to bare LF or bare CR in a stretch.
      const end = Math.min(b.length, at + 200);
      const s = b
        .subarray(at, end)
        .toString('latin1')
        .replace(/\r\n/g, rnd() < 0.5 ? '\n' : '\r');
      b = Buffer.concat([b.subarray(0, at), Buffer.from(s, 'latin1'), b.subarray(end)]);
    }
  }
  return b;
}

describe('robustness', () => {
  // MIME_FUZZ_ROUNDS and MIME_FUZZ_SEED run a longer or different fuzz by hand.
  test('fuzz: random mutations of every corpus file', () => {
    const rounds = Number(process.env['MIME_FUZZ_ROUNDS'] ?? 60);
    const rnd = prng(Number(process.env['MIME_FUZZ_SEED'] ?? 20260327));
    let runs = 0;
    for (const name of fixtureNames()) {
      const original = fixture(name);
      checkAll(original, name);
      for (let i = 0; i < rounds; i++) {
        const mutated = mutate(original, rnd);
        try {
          checkAll(mutated, `${name}#${i}`);
        } catch (err) {
          throw new Error(`${name} mutation ${i}: ${(err as Error).message}\n${JSON.stringify(mutated.toString('latin1'))}`);
        }
        runs++;
      }
    }
    assert.ok(runs >= rounds * 20);
  });

  test('random bytes and degenerate inputs', () => {
    const rnd = prng(7);
    for (let i = 0; i < 30; i++) {
      const junk = Buffer.alloc(Math.floor(rnd() * 4000));
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(rnd() * 256);
      checkAll(junk, `junk#${i}`);
    }
    for (const s of [
      '',
      '\r\n',
      '\n\n',
      ':',
      ' x',
      'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
      'Content-Type: message/rfc822\r\n\r\n',
    ]) {
      checkAll(Buffer.from(s), JSON.stringify(s));
    }
  });

  test('a 20 MB message is analysed whole: attachment, long text part, search text capped', () => {
    const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\r\n';
    const text = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    const b64line = `${'QUJD'.repeat(19)}\r\n`;
    const attachment = b64line.repeat(Math.ceil((10 * 1024 * 1024) / b64line.length));
    const body = Buffer.from(
      'From: big@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=BIG\r\n\r\n' +
        `--BIG\r\nContent-Type: text/plain\r\n\r\n${text}\r\n` +
        `--BIG\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--BIG--\r\n`,
    );
    assert.ok(body.length > 20 * 1024 * 1024);
    const info = analyze(body);
    const s = info.structure as MessageStructure;
    assert.equal(s.root.parts?.length, 2);
    assert.equal(s.root.parts![0]!.size, text.length);
    assert.equal(s.root.parts![0]!.lines, text.length / line.length);
    assert.equal(s.root.parts![1]!.size, attachment.length);
    assert.equal(s.textTruncated, true);
    assert.ok(info.text!.startsWith('from: big@example.com'));
  });

  test('nesting beyond the depth limit becomes an opaque leaf, without stack trouble', () => {
    let msg = 'innermost';
    for (let i = 0; i < 300; i++) msg = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${msg}\r\n--b${i}--`;
    const body = Buffer.from(msg);
    const s = checkAll(body, 'deep multipart');
    let depth = 0;
    let part: MimePart | undefined = s.root;
    while (part?.parts !== undefined) {
      part = part.parts[0];
      depth++;
    }
    assert.equal(depth, 40);
    assert.equal(part?.type, 'application');

    let rfc = 'Subject: bottom\r\n\r\nbody';
    for (let i = 0; i < 200; i++) rfc = `Subject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${rfc}`;
    checkAll(Buffer.from(rfc), 'deep rfc822');
  });

  test('part count is capped', () => {
    const body = Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${'--p\r\n\r\nx\r\n'.repeat(20000)}--p--\r\n`);
    const s = checkAll(body, 'many parts');
    assert.ok(s.root.parts!.length < 5000);
  });

  test('huge headers: many fields and one enormous field', () => {
    const many = Buffer.from(`${'X-Filler: some value here\r\n'.repeat(40000)}Subject: found\r\n\r\nbody`);
    assert.equal(checkAll(many, 'many fields').envelope.subject, 'found');
    const to = Array.from({ length: 20000 }, (_, i) => `user${i}@example.com`).join(', ');
    const wide = Buffer.from(`To: ${to}\r\nSubject: ${'s'.repeat(2 * 1024 * 1024)}\r\n\r\nbody`);
    const s = checkAll(wide, 'wide fields');
    assert.equal(s.envelope.to?.length, 1000);
    assert.ok(s.envelope.subject!.length <= 16 * 1024);
  });

  test('the safety net: an opaque structure still satisfies every invariant', () => {
    const body = Buffer.from('anything at all');
    const s = opaqueStructure(body.length);
    checkPart(s.root, 0, body.length, body.length, 'opaque');
    assert.equal(wire(imapBodyStructure(s, false)), '("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 15 0)');
  });
});
