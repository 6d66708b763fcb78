// Interop with real clients from Debian, run against the service in this
// process: Python's stdlib poplib (STLS, POP3_SSL, USER/PASS, every command)
// and curl's POP3 (SASL PLAIN, LIST, UIDL, TOP, RETR byte-exact, pop3s).
// Skipped when the client binary is missing (.ci/run installs them).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const CURL = '/usr/bin/curl';
const here = path.dirname(new URL(import.meta.url).pathname);

describe('POP3 interop', () => {
  let fx: Fixture;
  let plainPort: number;
  let tlsPort: number;
  let bodies: Buffer[];

  before(async () => {
    fx = await startFixture();
    ({ port: plainPort } = await fx.service('pop3', { dev: false }));
    ({ port: tlsPort } = await fx.service('pop3s', { dev: false }));
    bodies = [
      Buffer.from(message('first', 'Hello.\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n')),
      Buffer.from(message('second', 'bare\nLF\n')),
      Buffer.from(message('third', `${'x'.repeat(998)}\r\n`.repeat(300))),
    ];
  });
  after(() => fx.close());

  const reset = async () => {
    await fx.unlocked();
    const existing = await fx.store.listMessages(fx.inboxId);
    if (existing.length > 0)
      await fx.store.expunge(
        fx.inboxId,
        existing.map((m) => m.uid),
      );
    for (const body of bodies) await fx.deliver(body);
  };
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

  for (const mode of ['stls', 'ssl'] as const) {
    it(`poplib (${mode === 'stls' ? 'STLS on pop3' : 'POP3_SSL on pop3s'}): every command, then DELE+QUIT removes one message`, {
      skip: !existsSync(PYTHON),
    }, async () => {
      await reset();
      const port = mode === 'stls' ? plainPort : tlsPort;
      const { stdout } = await run(
        PYTHON,
        [path.join(here, 'interop', 'poplib_session.py'), '127.0.0.1', String(port), mode, USER, PASSWORD],
        {
          timeout: 30_000,
        },
      );
      const report = JSON.parse(stdout) as Record<string, unknown>;
      const metas = await fx.store.listMessages(fx.inboxId);
      const inbox = await fx.store.getMailboxById(fx.inboxId);
      assert.match(String(report.welcome), /^\+OK/);
      if (mode === 'stls') {
        assert.ok((report.capa_before as string[]).includes('STLS'));
        assert.ok(!(report.capa_before as string[]).includes('USER'));
        assert.ok((report.capa_after_stls as string[]).includes('USER'));
      } else {
        assert.ok((report.capa_before as string[]).includes('USER'));
      }
      assert.deepEqual(report.stat, [3, bodies.reduce((sum, b) => sum + b.length, 0)]);
      assert.deepEqual(
        report.list,
        bodies.map((b, i) => `${i + 1} ${b.length}`),
      );
      assert.equal((report.uidl as string[])[0], `1 ${inbox?.uidValidity}.${metas[0]?.uid}`);
      assert.match(String(report.uidl_1), new RegExp(`^\\+OK 1 ${inbox?.uidValidity}\\.${metas[0]?.uid}$`));
      assert.deepEqual(
        report.retr_sha256,
        bodies.map((b) => sha(crlf(b))),
        'RETR bytes (line ends normalised) survive poplib',
      );
      assert.deepEqual(report.top_1_0, [
        'From: bob@example.net',
        `To: ${USER}`,
        'Subject: first',
        'Date: Fri, 27 Nov 2026 10:00:00 +0000',
        '',
      ]);
      assert.equal((report.stat_after_dele as number[])[0], 2);
      assert.equal((report.stat_after_rset as number[])[0], 3);
      assert.match(String(report.retr_missing), /-ERR/);
      assert.match(String(report.quit), /^\+OK/);
      await fx.unlocked();
      const left = await fx.store.listMessages(fx.inboxId);
      assert.equal(left.length, 2, 'QUIT expunged the message poplib deleted');
      assert.deepEqual(
        left.map((m) => m.uid),
        metas.slice(0, 2).map((m) => m.uid),
      );
    });
  }

  const curl = async (url: string, ...args: string[]) =>
    (
      await run(CURL, ['-sS', '--ssl-reqd', '-k', '--max-time', '20', '--user', `${USER}:${PASSWORD}`, ...args, url], {
        timeout: 30_000,
        encoding: 'buffer',
      })
    ).stdout as Buffer;

  it('curl pop3:// with STLS: LIST, UIDL, TOP and RETR byte-exact', { skip: !existsSync(CURL) }, async () => {
    await reset();
    const base = `pop3://127.0.0.1:${plainPort}/`;
    const list = (await curl(base)).toString().trim().split(/\r?\n/);
    assert.deepEqual(
      list,
      bodies.map((b, i) => `${i + 1} ${b.length}`),
    );
    const inbox = await fx.store.getMailboxById(fx.inboxId);
    const metas = await fx.store.listMessages(fx.inboxId);
    const uidl = (await curl(base, '-X', 'UIDL')).toString().trim().split(/\r?\n/);
    assert.deepEqual(
      uidl,
      metas.map((m, i) => `${i + 1} ${inbox?.uidValidity}.${m.uid}`),
    );
    const top = (await curl(base, '-X', 'TOP 1 0')).toString();
    assert.match(top, /^From: bob@example\.net\r\n/);
    assert.match(top, /Subject: first\r\n/);
    assert.doesNotMatch(top, /Hello/);
    for (let i = 0; i < bodies.length; i++) {
      const out = path.join(fx.dir, `curl-${i}.eml`);
      await curl(`${base}${i + 1}`, '-o', out);
      const got = await readFile(out);
      assert.equal(sha(got), sha(crlf(bodies[i] as Buffer)), `message ${i + 1}`);
    }
    await fx.unlocked();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 3, 'curl deletes nothing');
  });

  it('curl pop3s:// lists the same as pop3://, and DELE via -X then QUIT removes the message', { skip: !existsSync(CURL) }, async () => {
    await reset();
    const list = (await curl(`pop3s://127.0.0.1:${tlsPort}/`)).toString().trim().split(/\r?\n/);
    assert.equal(list.length, 3);
    await curl(`pop3s://127.0.0.1:${tlsPort}/2`, '-X', 'DELE', '-I');
    await fx.unlocked();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 2);
  });

  it('curl without TLS is refused on a non-dev listener', { skip: !existsSync(CURL) }, async () => {
    await reset();
    await assert.rejects(
      run(CURL, ['-sS', '--max-time', '20', '--user', `${USER}:${PASSWORD}`, `pop3://127.0.0.1:${plainPort}/`], { timeout: 30_000 }),
      /Login denied|login denied|Access denied|denied/i,
    );
  });
});
