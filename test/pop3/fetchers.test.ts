// Interop with the mail fetchers people actually run against POP3: fetchmail
// (keep mode with UIDL tracking across runs, then delete mode) and getmail6
// (keep, second run fetches nothing, then delete). They run against the
// service in this process; skipped when not installed (apt: fetchmail getmail6).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

const FETCHMAIL = '/usr/bin/fetchmail';
const GETMAIL = '/usr/bin/getmail';

/** Run a client; resolves its exit code and output (a non-zero exit is an answer here, not a failure). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function subjectsIn(dir: string): Promise<string[]> {
  const files = existsSync(dir) ? await readdir(dir) : [];
  const subjects = await Promise.all(
    files.map(async (f) => /^Subject: (.*)$/m.exec(await readFile(path.join(dir, f), 'latin1'))?.[1]?.trim() ?? '?'),
  );
  return subjects.sort();
}

describe('POP3 fetchers', () => {
  let fx: Fixture;
  let plainPort: number;
  let tlsPort: number;

  before(async () => {
    fx = await startFixture();
    ({ port: plainPort } = await fx.service('pop3', { dev: false }));
    ({ port: tlsPort } = await fx.service('pop3s', { dev: false }));
  });
  after(() => fx.close());

  const inboxSubjects = async () => {
    const metas = await fx.store.listMessages(fx.inboxId);
    const texts = await Promise.all(metas.map(async (m) => Buffer.from((await fx.store.readBody(m.blobId)) ?? []).toString()));
    return texts.map((t) => /Subject: (.*)\r\n/.exec(t)?.[1]).sort();
  };

  it('fetchmail over STLS: keep + UIDL fetches each message once across runs, then delete mode empties INBOX', {
    skip: !existsSync(FETCHMAIL),
  }, async () => {
    const work = path.join(fx.dir, 'fetchmail');
    const out = path.join(work, 'out');
    await mkdir(out, { recursive: true });
    await mkdir(path.join(work, 'home'), { recursive: true });
    const mda = path.join(work, 'mda.sh');
    await writeFile(mda, `#!/bin/sh\ncat > "$(mktemp ${out}/msg.XXXXXXXX)"\n`);
    await chmod(mda, 0o755);
    const rc = path.join(work, 'rc');
    const writeRc = async (mode: 'keep' | 'nokeep', port: number, tls: string) => {
      await writeFile(
        rc,
        [
          'set no bouncemail',
          'set no syslog',
          `set idfile "${path.join(work, 'ids')}"`,
          `poll 127.0.0.1 service ${port} protocol POP3 uidl timeout 20 auth password`,
          `  user "${USER}" there with password "${PASSWORD}" is root here`,
          `  ${mode} ${tls}`,
          `  mda "${mda}"`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
    };
    const fetch = () => run(FETCHMAIL, ['-f', rc, '--nodetach', '-v'], { HOME: path.join(work, 'home') });
    await fx.deliver(message('fm one'));
    await fx.deliver(message('fm two'));

    await writeRc('keep', plainPort, 'sslproto "auto" no sslcertck');
    const first = await fetch();
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /STLS/);
    assert.deepEqual(await subjectsIn(out), ['fm one', 'fm two']);
    await fx.unlocked();

    const second = await fetch();
    assert.equal(second.code, 1, `1 = no new mail\n${second.output}`);
    assert.equal((await readdir(out)).length, 2, 'UIDL tracking: nothing fetched twice');
    await fx.unlocked();

    await fx.deliver(message('fm three'));
    const third = await fetch();
    assert.equal(third.code, 0, third.output);
    assert.deepEqual(await subjectsIn(out), ['fm one', 'fm three', 'fm two'], 'only the new message');
    await fx.unlocked();
    assert.equal((await inboxSubjects()).length, 3, 'keep mode leaves everything on the server');

    // Delete mode over pop3s with a fresh id file: fetch all three again and delete them.
    await rm(path.join(work, 'ids'), { force: true });
    await writeRc('nokeep', tlsPort, 'ssl no sslcertck');
    const last = await fetch();
    assert.equal(last.code, 0, last.output);
    assert.equal((await readdir(out)).length, 6);
    await fx.unlocked();
    assert.deepEqual(await inboxSubjects(), [], 'delete mode removed what was fetched');
  });

  it('getmail6 over pop3s: keep, a second run fetches nothing, then delete removes what it delivered', {
    skip: !existsSync(GETMAIL),
  }, async () => {
    const work = path.join(fx.dir, 'getmail');
    const maildir = path.join(work, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(maildir, sub), { recursive: true });
    await mkdir(path.join(work, 'state'), { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // getmail refuses to deliver as root: deliver as nobody into a Maildir nobody owns.
      for (const dir of [maildir, ...['cur', 'new', 'tmp'].map((s) => path.join(maildir, s))]) await chown(dir, 65534, 65534);
      await chmod(work, 0o755);
      await chmod(fx.dir, 0o755);
    }
    const rc = path.join(work, 'rc');
    const writeRc = (remove: boolean) =>
      writeFile(
        rc,
        [
          '[retriever]',
          'type = SimplePOP3SSLRetriever',
          'server = 127.0.0.1',
          `port = ${tlsPort}`,
          `username = ${USER}`,
          `password = ${PASSWORD}`,
          '',
          '[destination]',
          'type = Maildir',
          `path = ${maildir}/`,
          ...(asRoot ? ['user = nobody'] : []),
          '',
          '[options]',
          'read_all = false',
          `delete = ${remove}`,
          'verbose = 0',
          'timeout = 20',
          '',
        ].join('\n'),
      );
    const fetch = () => run(GETMAIL, ['--getmaildir', path.join(work, 'state'), '--rcfile', rc], {});
    const fetched = async () => [...(await subjectsIn(path.join(maildir, 'new'))), ...(await subjectsIn(path.join(maildir, 'cur')))].sort();
    const existing = await fx.store.listMessages(fx.inboxId);
    if (existing.length > 0)
      await fx.store.expunge(
        fx.inboxId,
        existing.map((m) => m.uid),
      );
    await fx.deliver(message('gm one'));
    await fx.deliver(message('gm two', '.dot line\r\nend\r\n'));

    await writeRc(false);
    const first = await fetch();
    assert.equal(first.code, 0, first.output);
    assert.deepEqual(await fetched(), ['gm one', 'gm two']);
    const delivered = await Promise.all(
      (await readdir(path.join(maildir, 'new'))).map((f) => readFile(path.join(maildir, 'new', f), 'latin1')),
    );
    assert.ok(
      delivered.some((text) => /\n\.dot line\r?\nend/.test(text)),
      'dot-stuffing undone by the client',
    );
    await fx.unlocked();

    const second = await fetch();
    assert.equal(second.code, 0, second.output);
    assert.equal((await fetched()).length, 2, 'read_all=false: nothing fetched twice');
    await fx.unlocked();
    assert.equal((await inboxSubjects()).length, 2);

    await fx.deliver(message('gm three'));
    await writeRc(true);
    const third = await fetch();
    assert.equal(third.code, 0, third.output);
    assert.deepEqual(await fetched(), ['gm one', 'gm three', 'gm two']);
    await fx.unlocked();
    // getmail deletes every message it has delivered, including those from earlier runs.
    assert.deepEqual(await inboxSubjects(), [], 'delete=true removed the delivered messages');
  });
});
