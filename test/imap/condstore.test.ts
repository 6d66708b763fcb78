// CONDSTORE (RFC 7162) over a real socket: ENABLE, SELECT (CONDSTORE),
// STATUS HIGHESTMODSEQ, FETCH MODSEQ and CHANGEDSINCE, STORE UNCHANGEDSINCE
// with [MODIFIED], SEARCH MODSEQ, and MODSEQ in other sessions' updates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestClient } from '../unit/imap/client.ts';
import { type Fixture, startFixture } from '../unit/imap/fixture.ts';
import { append, message } from './support.ts';

function modseqOf(line: string): number {
  const m = /MODSEQ \((\d+)\)/.exec(line) ?? /HIGHESTMODSEQ (\d+)/.exec(line);
  if (m === null) throw new Error(`no modseq in ${line}`);
  return Number(m[1]);
}

describe('imap CONDSTORE', { timeout: 30_000 }, () => {
  let f: Fixture;
  let a: TestClient;
  let b: TestClient;
  before(async () => {
    f = await startFixture();
    a = await f.login();
    b = await f.login();
    for (let i = 1; i <= 3; i++) await append(a, 'INBOX', message({ subject: `m${i}` }));
  });
  after(() => f.close());

  it('ENABLE CONDSTORE makes SELECT report HIGHESTMODSEQ; STATUS has it too', async () => {
    assert.deepEqual(await a.command('ENABLE CONDSTORE', 'c1'), ['* ENABLED CONDSTORE', 'c1 OK ENABLE completed']);
    const status = await a.command('STATUS INBOX (HIGHESTMODSEQ MESSAGES)', 'c2');
    const highest = modseqOf(status[0]!);
    const select = await a.command('SELECT INBOX', 'c3');
    assert.ok(select.includes(`* OK [HIGHESTMODSEQ ${highest}] Highest`), select.join('\n'));
    const plain = await b.command('SELECT INBOX', 'c4');
    assert.ok(!plain.some((l) => l.includes('HIGHESTMODSEQ')));
    const withParam = await b.command('EXAMINE INBOX (CONDSTORE)', 'c5');
    assert.ok(withParam.includes(`* OK [HIGHESTMODSEQ ${highest}] Highest`));
    await b.command('SELECT INBOX', 'c6');
  });

  it('FETCH MODSEQ and CHANGEDSINCE', async () => {
    const all = await a.command('FETCH 1:* (FLAGS MODSEQ)', 'm1');
    assert.equal(all.length, 4);
    const before = modseqOf(all[2]!);
    const stored = await a.command('STORE 2 +FLAGS (\\Answered)', 'm2');
    // Under CONDSTORE the FETCH of a STORE carries UID and MODSEQ.
    assert.match(stored[0]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)$/);
    const after = modseqOf(stored[0]!);
    assert.ok(after > before);
    assert.deepEqual(await a.command(`FETCH 1:* (FLAGS) (CHANGEDSINCE ${before})`, 'm3'), [
      `* 2 FETCH (FLAGS (\\Answered) MODSEQ (${after}))`,
      'm3 OK FETCH completed',
    ]);
    assert.deepEqual(await a.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${after})`, 'm4'), ['m4 OK UID FETCH completed']);
  });

  it('STORE UNCHANGEDSINCE: applied where unchanged, [MODIFIED] where not; .SILENT still reports MODSEQ', async () => {
    const m1 = modseqOf((await a.command('FETCH 1 MODSEQ', 'u1'))[0]!);
    const m2 = modseqOf((await a.command('FETCH 2 MODSEQ', 'u2'))[0]!);
    assert.ok(m2 > m1);
    const r = await a.command(`STORE 1:2 (UNCHANGEDSINCE ${m1}) +FLAGS.SILENT (\\Flagged)`, 'u3');
    assert.equal(r.length, 2);
    assert.match(r[0]!, /^\* 1 FETCH \(UID 1 MODSEQ \(\d+\)\)$/);
    assert.equal(r[1], 'u3 OK [MODIFIED 2] Conditional STORE failed');
    const u = await a.command(`UID STORE 2 (UNCHANGEDSINCE ${m2}) FLAGS (\\Seen)`, 'u4');
    assert.match(u[0]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$/);
    assert.equal(u[1], 'u4 OK UID STORE completed');
    assert.deepEqual(await a.command('UID STORE 1 (UNCHANGEDSINCE 1) FLAGS ()', 'u5'), ['u5 OK [MODIFIED 1] Conditional STORE failed']);
  });

  it('SEARCH MODSEQ answers the highest mod-sequence of what it found', async () => {
    const lines = await a.command('FETCH 1:* MODSEQ', 's1');
    const seqs = lines.slice(0, 3).map(modseqOf);
    const threshold = Math.min(...seqs) + 1;
    const expected = [1, 2, 3].filter((_, i) => seqs[i]! >= threshold);
    const r = await a.command(`SEARCH MODSEQ ${threshold}`, 's2');
    assert.equal(r[0], `* SEARCH ${expected.join(' ')} (MODSEQ ${Math.max(...seqs)})`);
    assert.deepEqual(await a.command('SEARCH MODSEQ 999999', 's3'), ['* SEARCH', 's3 OK SEARCH completed']);
  });

  it("another session's flag change arrives with UID and MODSEQ under CONDSTORE", async () => {
    await b.command('STORE 3 +FLAGS ($Later)', 'o1');
    const r = await a.command('NOOP', 'o2');
    assert.equal(r.at(-1), 'o2 OK NOOP completed');
    const fetch = r.find((l) => l.includes('FETCH'))!;
    assert.match(fetch, /^\* 3 FETCH \(UID 3 FLAGS \(\$Later\) MODSEQ \(\d+\)\)$/);
    assert.ok(r.some((l) => l.startsWith('* FLAGS (') && l.includes('$Later')));
  });

  it('a CONDSTORE modifier enables it in a session that had not: untagged HIGHESTMODSEQ first', async () => {
    const status = await b.command('STATUS INBOX (HIGHESTMODSEQ)', 'e1');
    const highest = modseqOf(status[0]!);
    const r = await b.command('FETCH 1 (FLAGS) (CHANGEDSINCE 1)', 'e2');
    assert.equal(r[0], `* OK [HIGHESTMODSEQ ${highest}] Highest`);
    assert.match(r[1]!, /^\* 1 FETCH \(FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
  });
});

describe('imap QRESYNC', { timeout: 30_000 }, () => {
  let f: Fixture;
  let a: TestClient;
  let b: TestClient;
  let uidValidity = 0;
  let since = 0;
  before(async () => {
    f = await startFixture();
    a = await f.login();
    b = await f.login();
    for (let i = 1; i <= 5; i++) await append(a, 'INBOX', message({ subject: `q${i}` }));
    const status = await a.command('STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)');
    uidValidity = Number(/UIDVALIDITY (\d+)/.exec(status[0]!)![1]);
    since = modseqOf(status[0]!);
  });
  after(() => f.close());

  it('needs ENABLE QRESYNC, which also turns CONDSTORE on', async () => {
    assert.deepEqual(await a.command(`SELECT INBOX (QRESYNC (${uidValidity} ${since}))`, 'q1'), ['q1 BAD ENABLE QRESYNC first']);
    assert.deepEqual(await a.command('ENABLE QRESYNC', 'q2'), ['* ENABLED QRESYNC', 'q2 OK ENABLE completed']);
  });

  it('SELECT (QRESYNC ...) tells what vanished and what changed since the known modseq', async () => {
    // Another session changes things while this one is away.
    await b.command('SELECT INBOX');
    await b.command('STORE 2 +FLAGS (\\Flagged)');
    await b.command('STORE 4 +FLAGS.SILENT (\\Deleted)');
    await b.command('EXPUNGE');
    const r = await a.command(`SELECT INBOX (QRESYNC (${uidValidity} ${since} 1:5))`, 'q3');
    const i = r.findIndex((l) => l.startsWith('* VANISHED'));
    assert.equal(r[i], '* VANISHED (EARLIER) 4');
    assert.match(r[i + 1]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
    assert.equal(r[i + 2], 'q3 OK [READ-WRITE] SELECT completed');
    assert.ok(r.some((l) => l.startsWith('* OK [HIGHESTMODSEQ ')));
    // A stale UIDVALIDITY gets a plain SELECT.
    const stale = await a.command(`SELECT INBOX (QRESYNC (${uidValidity + 1} ${since}))`, 'q4');
    assert.ok(!stale.some((l) => l.includes('VANISHED') || l.includes('FETCH')));
  });

  it('expunges are told as VANISHED; UID FETCH (CHANGEDSINCE n VANISHED) reports absent UIDs first', async () => {
    await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.command('EXPUNGE');
    assert.deepEqual(await a.command('NOOP', 'q5'), ['* VANISHED 1', 'q5 OK NOOP completed']);
    const r = await a.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${since} VANISHED)`, 'q6');
    assert.equal(r[0], '* VANISHED (EARLIER) 1,4');
    assert.match(r[1]!, /^\* 1 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
    assert.equal(r.at(-1), 'q6 OK UID FETCH completed');
    assert.deepEqual(await a.command('FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'q7'), [
      'q7 BAD VANISHED needs UID FETCH and ENABLE QRESYNC',
    ]);
    assert.deepEqual(await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)', 'q8').then((l) => l.at(-1)), 'q8 OK STORE completed');
    assert.deepEqual(await a.command('EXPUNGE', 'q9'), ['* VANISHED 2', 'q9 OK EXPUNGE completed']);
  });
});
