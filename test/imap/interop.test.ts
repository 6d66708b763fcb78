// Interop with real clients against the server started in-process on a
// loopback port over a real store: Python's imaplib (stdlib, Debian's
// /usr/bin/python3), curl's IMAP, and the shared interop harness's imaplib
// checks when ../shared/interop is there. A missing client skips its test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cheapHash, type Fixture, PASSWORD, startFixture } from '../unit/imap/fixture.ts';

const PYTHON = '/usr/bin/python3';
const CURL = '/usr/bin/curl';
const SHARED = path.join(import.meta.dirname, '..', '..', '..', 'shared', 'interop');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** FAIL lines of a PASS/FAIL/SKIP checker's output. */
function failures(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('FAIL'));
}

describe('imap interop with real clients', { timeout: 120_000 }, () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    f = await startFixture();
    await f.store.createAccount({ address: 'bob@example.com', passwordHash: cheapHash('second password') });
    dir = await mkdtemp(path.join(tmpdir(), 'pochta-imap-interop-'));
  });
  after(async () => {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('Python imaplib: FETCH, UTF-8 SEARCH in a quoted-printable body, STORE, COPYUID, MOVE, IDLE, EXPUNGE', {
    skip: !existsSync(PYTHON),
  }, async () => {
    const r = await run(PYTHON, [path.join(import.meta.dirname, 'interop', 'imaplib_check.py')], {
      IMAP_PORT: String(f.port),
      IMAP_USER: 'alice@example.com',
      IMAP_PASS: PASSWORD,
    });
    assert.deepEqual(failures(r.stdout), [], r.stdout + r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('PASS idle.exists_from_other_session'));
  });

  it('curl: APPEND, LIST, whole message byte for byte by UID, a header section, a partial, SEARCH', {
    skip: !existsSync(CURL),
  }, async () => {
    const base = `imap://127.0.0.1:${f.port}`;
    const user = ['--user', `alice@example.com:${PASSWORD}`];
    const curl = (...args: string[]) => run(CURL, ['-sS', '--max-time', '20', ...user, ...args]);
    const eml = path.join(dir, 'curl.eml');
    const body = 'From: a@example.com\r\nTo: alice@example.com\r\nSubject: curl check\r\n\r\nSeeded message body\r\n';
    await writeFile(eml, body);
    await f.store.createMailbox(f.account.id, 'CurlBox');
    assert.equal((await curl(`${base}/CurlBox`, '-T', eml)).code, 0);
    const list = await curl(`${base}/`);
    assert.match(list.stdout, /\* LIST \([^)]*\) "\/" "CurlBox"/);
    const out = path.join(dir, 'fetched.eml');
    assert.equal((await curl(`${base}/CurlBox;UID=1`, '-o', out)).code, 0);
    assert.equal(await readFile(out, 'latin1'), body);
    const section = await curl(`${base}/CurlBox;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)`);
    assert.equal(section.stdout, 'Subject: curl check\r\n\r\n');
    const partial = await curl(`${base}/CurlBox;UID=1;SECTION=TEXT;PARTIAL=0.14`);
    assert.equal(partial.stdout, 'Seeded message');
    const search = await curl(`${base}/CurlBox?SUBJECT%20curl`);
    assert.equal(search.stdout.trim(), '* SEARCH 1');
    const uidSearch = await curl(`${base}/CurlBox`, '-X', 'UID SEARCH BODY seeded');
    assert.equal(uidSearch.stdout.trim(), '* SEARCH 1');
  });

  it('the shared interop harness: every imaplib protocol check passes', {
    skip: !existsSync(path.join(SHARED, 'py', 'imap_checks.py')) || !existsSync(PYTHON),
  }, async () => {
    const r = await run(PYTHON, [path.join(SHARED, 'py', 'imap_checks.py')], {
      PYTHONPATH: path.join(SHARED, 'py'),
      HOST: '127.0.0.1',
      IMAP_PORT: String(f.port),
      // No TLS listener, SMTP or 993 here: those checks skip.
      IMAPS_PORT: '1',
      SMTP_PORT: '1',
      TLS: 'off',
      DOMAIN: 'example.com',
      USER1: 'alice@example.com',
      PASS1: PASSWORD,
      USER2: 'bob@example.com',
      PASS2: 'second password',
      T: '10',
      DELIVERY_WAIT: '3',
      RUN_TAG: `test${process.pid}`,
    });
    assert.deepEqual(failures(r.stdout), [], r.stdout + r.stderr);
    assert.match(r.stdout, /PASS imap\.fetch\.bodystructure/);
  });

  it('the shared interop harness: ImapFlow checks (CONDSTORE, MOVE, search, download)', {
    skip: !existsSync(path.join(SHARED, 'node', 'imapflow_check.js')),
  }, async () => {
    const r = await run(process.execPath, [path.join(SHARED, 'node', 'imapflow_check.js')], {
      NODE_PATH: path.join(import.meta.dirname, '..', '..', 'node_modules'),
      HOST: '127.0.0.1',
      IMAP_PORT: String(f.port),
      IMAPS_PORT: '1',
      SMTP_PORT: '1',
      TLS: 'off',
      USER1: 'alice@example.com',
      PASS1: PASSWORD,
      USER2: 'bob@example.com',
      PASS2: 'second password',
      ADDR1: 'alice@example.com',
      ADDR2: 'bob@example.com',
      T: '10',
      DELIVERY_WAIT: '3',
      RUN_TAG: `flow${process.pid}`,
    });
    assert.deepEqual(failures(r.stdout), [], r.stdout + r.stderr);
    assert.match(r.stdout, /PASS imap\.imapflow\.condstore_changedsince/);
    assert.match(r.stdout, /PASS imap\.imapflow\.move/);
  });
});
