// Two-way sync clients from Debian against a real `pochta serve --dev` with TLS,
// at a larger scale than the shared harness: mbsync (isync) keeps three folders
// (130 messages) in step with a local Maildir while another client flags,
// expunges and MOVEs on the server and the user flags, deletes and moves
// locally; mutt then deletes and flags through IMAP; offlineimap3 (on 993,
// pinned by fingerprint) syncs the same folders. After every sync the server
// (dumped with Python's imaplib) and the Maildir hold the same messages with
// the same \Seen and \Flagged flags, and a second sync changes nothing.
// Each client's test is skipped when it is not installed (.ci/run installs
// isync and offlineimap3; mutt is optional).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDaemon, type TestDaemon } from '../support/daemon.ts';

const PYTHON = '/usr/bin/python3';
const STATE_PY = fileURLToPath(new URL('./imap_state.py', import.meta.url));
const USER = 'sync@example.test';
const PASS = 'Two-Way-Clients-Pass-1';
const A = 'Sync-A';
const B = 'Sync-B';
const SUB = 'Sync-B/Sub';
const C = 'Sync-C';

const which = (cmd: string) => ['/usr/bin', '/usr/local/bin', '/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Subject -> flag letters ("F", "S", "FS" or ""), per folder. */
type FolderState = Record<string, Record<string, string>>;

/** What a Maildir holds: subjects, and F/S from the `:2,` info of each file name. */
async function maildirState(root: string, folders: readonly string[]): Promise<FolderState> {
  const out: FolderState = {};
  for (const folder of folders) {
    const state: Record<string, string> = {};
    for (const sub of ['cur', 'new']) {
      const dir = join(root, folder, sub);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const text = await readFile(join(dir, name), 'latin1');
        const subject = /^Subject: (.*?)\r?$/m.exec(text)?.[1] ?? `(no subject: ${name})`;
        const info = name.includes(':2,') ? name.slice(name.indexOf(':2,') + 3) : '';
        state[subject] = (info.includes('F') ? 'F' : '') + (info.includes('S') ? 'S' : '');
      }
    }
    out[folder] = state;
  }
  return out;
}

/** The Maildir file of the message with this subject. */
async function fileOf(root: string, folder: string, subject: string): Promise<string> {
  for (const sub of ['cur', 'new']) {
    const dir = join(root, folder, sub);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const text = await readFile(join(dir, name), 'latin1');
      if (/^Subject: (.*?)\r?$/m.exec(text)?.[1] === subject) return join(dir, name);
    }
  }
  throw new Error(`no ${subject} in ${folder}`);
}

/** Add flag letters to a Maildir file by renaming it into cur/ (what a local mail reader does). */
async function flagLocal(file: string, letters: string): Promise<void> {
  const dir = join(file, '..', '..');
  const base = file.slice(file.lastIndexOf('/') + 1);
  const [stem, info = ''] = base.split(':2,');
  const flags = [...new Set([...info, ...letters])].sort().join('');
  await rename(file, join(dir, 'cur', `${stem}:2,${flags}`));
}

async function newLocal(root: string, folder: string, subject: string): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, folder, sub), { recursive: true });
  const text = `From: <${USER}>\nTo: <${USER}>\nSubject: ${subject}\nMessage-ID: <${Date.now()}.local@sync.test>\n\nWritten locally.\n`;
  await writeFile(join(root, folder, 'new', `${Date.now()}.${process.pid}.local`), text);
}

/** All the files under a Maildir tree except the clients' own state files. */
async function fileSet(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.mbsync') && !e.name.startsWith('.uidvalidity'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('two-way sync clients against pochta serve --dev', {
  skip: existsSync(PYTHON) ? false : 'no /usr/bin/python3',
  timeout: 300_000,
}, () => {
  let daemon: TestDaemon;
  let work: string;
  let cert: string;
  let imapPort: number;
  const imapEnv = () => ({ IMAP_PORT: String(imapPort), IMAP_USER: USER, IMAP_PASS: PASS });
  const state = async (...args: string[]) => {
    const r = await run(PYTHON, [STATE_PY, ...args], imapEnv());
    assert.equal(r.code, 0, `imap_state.py ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const serverState = async (folders: readonly string[]): Promise<FolderState> =>
    JSON.parse(await state('dump', ...folders)) as FolderState;
  const count = (s: FolderState, folder: string) => Object.keys(s[folder] ?? {}).length;
  const flagged = (s: FolderState, folder: string, letter: string) =>
    Object.values(s[folder] ?? {}).filter((f) => f.includes(letter)).length;

  before(async () => {
    daemon = await startDaemon({ args: ['--dev'], only: ['imap', 'imaps'], logLevel: 'warn' });
    imapPort = daemon.ports.imap;
    const added = await daemon.cli(['domain', 'add', 'example.test']);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    const user = await daemon.cli(['user', 'add', USER, '--password-stdin'], { stdin: PASS });
    assert.equal(user.code, 0, user.stdout + user.stderr);
    work = await mkdtemp(join(tmpdir(), 'pochta-sync-clients-'));
    await mkdir(join(work, 'home', 'Mail'), { recursive: true });
    // mbsync and mutt trust a certificate file; the daemon's own self-signed one names localhost.
    cert = join(work, 'cert.pem');
    await writeFile(cert, await readFile(join(daemon.dataDir, 'tls', 'cert.pem')));
    await state('seed', A, '100', 'alpha');
    await state('seed', B, '25', 'beta');
    await state('seed', SUB, '5', 'gamma');
  });

  after(async () => {
    await daemon?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const MB = () => join(work, 'mbsync');
  const mbsync = async () => {
    const r = await run(which('mbsync')!, ['-c', join(MB(), 'rc'), '-a'], { HOME: join(work, 'home') });
    assert.equal(r.code, 0, `mbsync: ${r.stdout}${r.stderr}`);
  };

  it('mbsync: initial sync, both sides change, resync agrees on messages and flags, a third sync is a no-op', {
    skip: which('mbsync') ? false : 'mbsync (isync) not installed',
  }, async () => {
    const local = join(MB(), 'mail');
    await mkdir(local, { recursive: true });
    await writeFile(
      join(MB(), 'rc'),
      [
        'IMAPAccount remote',
        'Host localhost',
        `Port ${imapPort}`,
        `User "${USER}"`,
        `Pass "${PASS}"`,
        'SSLType STARTTLS',
        `CertificateFile ${cert}`,
        'SystemCertificates no',
        'Timeout 20',
        '',
        'IMAPStore remote',
        'Account remote',
        '',
        'MaildirStore local',
        `Path ${local}/`,
        `Inbox ${local}/INBOX`,
        'SubFolders Verbatim',
        '',
        'Channel sync',
        'Far :remote:',
        'Near :local:',
        'Patterns "Sync-*"',
        'Create Both',
        'Expunge Both',
        'SyncState *',
        'Sync All',
        '',
      ].join('\n'),
    );
    await mbsync();
    const folders = [A, B, SUB];
    assert.deepEqual(await maildirState(local, folders), await serverState(folders));
    assert.equal(count(await maildirState(local, folders), A), 100);

    // Another client on the server: 10 flagged, 5 expunged, 5 moved to B, 3 seen.
    await state('ops', A, B);
    // The user, locally: flag three, delete three in B, move one from A to B, a new folder.
    for (const n of [60, 61, 62]) await flagLocal(await fileOf(local, A, `alpha ${n}`), 'F');
    for (const n of [1, 2, 3]) await unlink(await fileOf(local, B, `beta ${n}`));
    const moved = await fileOf(local, A, 'alpha 70');
    await rename(moved, join(local, B, 'new', `${Date.now()}.moved.local`));
    await newLocal(local, C, 'made locally');
    await mbsync();

    const all = [A, B, SUB, C];
    const server = await serverState(all);
    assert.deepEqual(await maildirState(local, all), server);
    assert.equal(count(server, A), 100 - 5 - 5 - 1);
    assert.equal(count(server, B), 25 + 5 - 3 + 1);
    assert.equal(count(server, C), 1);
    assert.equal(flagged(server, A, 'F'), 13);
    assert.equal(flagged(server, A, 'S'), 3);

    const before = await fileSet(local);
    await mbsync();
    assert.deepEqual(await fileSet(local), before, 'a sync with nothing to do renames no file');
    assert.deepEqual(await serverState(all), server);
  });

  it('mutt deletes and flags through IMAP; mbsync then brings the Maildir in line', {
    skip: which('mutt') && which('script') && which('mbsync') ? false : 'mutt, script(1) or mbsync not installed',
  }, async () => {
    const muttrc = join(work, 'muttrc');
    await writeFile(
      muttrc,
      [
        `set imap_pass="${PASS}"`,
        'set ssl_starttls=yes ssl_force_tls=yes',
        `set certificate_file="${cert}" ssl_verify_host=no ssl_verify_dates=no`,
        'set wait_key=no confirmcreate=no confirmappend=no move=no beep=no header_cache="" message_cachedir=""',
        'set imap_check_subscribed=no timeout=5 mail_check=60 delete=yes quit=yes',
        // Subjects in B run to beta 24: "beta 1[0-4]" matches five messages, "beta 2[0-2]" three.
        "push \"<delete-pattern>~s 'beta 1[0-4]'<enter><tag-pattern>~s 'beta 2[0-2]'<enter><tag-prefix><flag-message><sync-mailbox><quit>\"",
        '',
      ].join('\n'),
    );
    const url = `imap://${USER.replace('@', '%40')}@127.0.0.1:${imapPort}/${B}`;
    // mutt needs a terminal: script(1) gives it one; its stdin stays open (an EOF would be typed as ^D).
    // (A process substitution, not a pipe: the shell need not wait for the sleep, and kills it once mutt has quit.)
    const shell = `exec 3< <(sleep 20 >/dev/null 2>&1); script -qfec "mutt -n -F '${muttrc}' -f '${url}'" /dev/null <&3 >/dev/null 2>&1; rc=$?; kill $! 2>/dev/null; exit $rc`;
    const r = await run('/bin/bash', ['-c', shell], {
      HOME: join(work, 'home'),
      TERM: 'xterm',
    });
    assert.equal(r.code, 0, r.stderr);
    const server = await serverState([B]);
    const betas = (re: RegExp) => Object.entries(server[B]!).filter(([s]) => re.test(s));
    assert.deepEqual(betas(/^beta 1[0-4]$/), [], 'deleted and expunged by mutt');
    assert.deepEqual(
      betas(/^beta 2[0-2]$/).map(([, f]) => f),
      ['F', 'F', 'F'],
    );
    await mbsync();
    assert.deepEqual(await maildirState(join(MB(), 'mail'), [B]), server);
  });

  it('offlineimap3 on 993 (certificate pinned by fingerprint): initial sync, both sides change, resync agrees', {
    skip: which('offlineimap') && which('openssl') ? false : 'offlineimap3 or openssl not installed',
  }, async () => {
    const OI = join(work, 'oi');
    const local = join(OI, 'mail');
    await mkdir(join(OI, 'meta'), { recursive: true });
    await mkdir(local, { recursive: true });
    const fp = await run('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
    const fingerprint = fp.stdout.replace(/.*=/, '').replace(/:/g, '').trim().toLowerCase();
    await writeFile(
      join(OI, 'rc'),
      [
        '[general]',
        'accounts = a',
        `metadata = ${OI}/meta`,
        'maxsyncaccounts = 1',
        '[Account a]',
        'localrepository = local',
        'remoterepository = remote',
        '[Repository local]',
        'type = Maildir',
        `localfolders = ${local}`,
        // Nested directories for Sync-B/Sub, as mbsync makes them (the default would be Sync-B.Sub).
        'sep = /',
        '[Repository remote]',
        'type = IMAP',
        'remotehost = 127.0.0.1',
        `remoteport = ${daemon.ports.imaps}`,
        `remoteuser = ${USER}`,
        `remotepass = ${PASS}`,
        'ssl = yes',
        `cert_fingerprint = ${fingerprint}`,
        'tls_level = tls_compat',
        "folderfilter = lambda f: f.startswith('Sync-')",
        'createfolders = True',
        'timeout = 20',
        '',
      ].join('\n'),
    );
    // Implicit TLS: offlineimap's reader/writer race after STARTTLS (see shared-harness.test.ts) cannot happen here.
    const offlineimap = async () => {
      const r = await run(which('offlineimap')!, ['-c', join(OI, 'rc'), '-o', '-1', '-u', 'basic'], { HOME: join(work, 'home') });
      assert.equal(r.code, 0, `offlineimap: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /^ERROR|Traceback/m);
    };
    const folders = [A, B, SUB, C];
    await offlineimap();
    assert.deepEqual(await maildirState(local, folders), await serverState(folders));

    await state('ops', A, C);
    await unlink(await fileOf(local, A, 'alpha 90'));
    await flagLocal(await fileOf(local, B, 'beta 5'), 'FS');
    await newLocal(local, B, 'written in offlineimap');
    await offlineimap();
    const server = await serverState(folders);
    assert.deepEqual(await maildirState(local, folders), server);
    assert.equal(server[B]!['beta 5'], 'FS');
    assert.equal(server[B]!['written in offlineimap'], '');
    assert.equal(server[A]!['alpha 90'], undefined);
  });
});
