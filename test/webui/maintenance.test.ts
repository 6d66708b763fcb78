// TLS upload and regeneration, SSH keys, backup download as a tar (LevelDB
// snapshot and bodies), and a staged restore applied as the next start would.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { applyStagedRestore, stagedRestorePaths } from '../../firmware/admin/staged-restore.ts';
import { readTar } from '../../firmware/admin/tar.ts';
import { ensureTlsFiles } from '../../firmware/net/tls.ts';
import { openStore } from '../../firmware/store/index.ts';
import { type Client, completeSetup, type Harness, startHarness } from './support.ts';

const exec = promisify(execFile);

async function makeCert(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const files = { certPath: join(dir, `${name}-cert.pem`), keyPath: join(dir, `${name}-key.pem`) };
  await ensureTlsFiles({ ...files, hostname: `${name}.example.test` });
  return { cert: await readFile(files.certPath, 'utf8'), key: await readFile(files.keyPath, 'utf8') };
}

describe('maintenance', () => {
  let h: Harness;
  let admin: Client;
  let work: string;
  before(async () => {
    h = await startHarness();
    admin = await completeSetup(h, { domain: 'example.test', users: [{ address: 'anna', password: 'Orange-Bicycle-Window-3' }] });
    work = await mkdtemp(join(tmpdir(), 'pochta-web-maint-'));
  });
  after(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  it('shows the certificate, refuses a key that does not match, takes a matching pair', async () => {
    let reloads = 0;
    (h.deps as { onTlsChanged?: () => void }).onTlsChanged = () => {
      reloads++;
    };
    const info = await admin.req('GET', '/api/tls');
    assert.equal(info.status, 200);
    assert.ok(info.json.altNames.includes('mail.example.test'));
    assert.ok(info.json.daysLeft > 300);
    assert.equal(info.json.selfSigned, true);

    const a = await makeCert(work, 'a');
    const b = await makeCert(work, 'b');
    const mismatch = await admin.req('PUT', '/api/tls', { certPem: a.cert, keyPem: b.key });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.field, 'keyPem');
    assert.match(mismatch.json.error.message, /does not belong/);
    const notKey = await admin.req('PUT', '/api/tls', { certPem: a.cert, keyPem: 'not a key' });
    assert.equal(notKey.json.error.field, 'keyPem');

    const ok = await admin.req('PUT', '/api/tls', { certPem: a.cert, keyPem: a.key });
    assert.equal(ok.status, 200, ok.body);
    assert.ok(ok.json.altNames.includes('a.example.test'));
    assert.equal(await readFile(h.deps.tls.certPath, 'utf8'), a.cert);
    assert.equal((await stat(h.deps.tls.keyPath)).mode & 0o077, 0, 'the key is readable by its owner only');

    const regen = await admin.req('POST', '/api/tls/regenerate');
    assert.equal(regen.status, 200, regen.body);
    assert.notEqual(regen.json.fingerprint256, ok.json.fingerprint256);
    assert.ok(
      new X509Certificate(await readFile(h.deps.tls.certPath)).checkPrivateKey(createPrivateKey(await readFile(h.deps.tls.keyPath))),
    );
    assert.equal(reloads, 2);
  });

  it('keeps authorized SSH keys and the on/off flag', async () => {
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'it@office', '-f', join(work, 'id')]).catch(() => undefined);
    const pub = await readFile(join(work, 'id.pub'), 'utf8').catch(
      () => 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhKtYQ8y3Vn0kOw3D9n1kVYt1m2QXJz5vC3b8m9aQ1f it@office',
    );
    const set = await admin.req('PUT', '/api/ssh', { enabled: true, keys: [pub.trim(), ''] });
    assert.equal(set.status, 200, set.body);
    assert.equal(set.json.enabled, true);
    assert.equal(set.json.keys.length, 1);
    assert.equal(set.json.keys[0].comment, 'it@office');
    assert.match(set.json.keys[0].fingerprint, /^SHA256:/);
    assert.equal((await readFile(h.deps.ssh.authorizedKeys, 'utf8')).trim(), pub.trim());
    const off = await admin.req('PUT', '/api/ssh', { enabled: false });
    assert.equal(off.json.enabled, false);
    assert.equal(off.json.keys.length, 1);
    const bad = await admin.req('PUT', '/api/ssh', { keys: [pub.trim(), 'ssh-rsa AAAAB3NzaC1yc2E'] });
    assert.equal(bad.json.error.field, 'keys.1');
  });

  it('downloads a backup tar with the LevelDB snapshot and the message bodies; a staged restore brings it back', async () => {
    const anna = (await h.store.findAccount('anna@example.test'))!;
    // Big enough to be kept as a body file (small bodies may live inside LevelDB).
    const body = Buffer.from(`From: a@b.test\r\nSubject: keep me\r\n\r\n${'hello world\r\n'.repeat(12_000)}`);
    const delivered = await h.store.deliver({ recipients: [{ accountId: anna.id }], body });

    const res = await h.app.inject({ method: 'GET', url: '/api/backup', headers: { cookie: admin.cookie! } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/x-tar');
    assert.match(String(res.headers['content-disposition']), /pochta-backup-mail\.example\.test-\d{4}-\d\d-\d\d\.tar/);
    const tarFile = join(work, 'backup.tar');
    await writeFile(tarFile, res.rawPayload);
    const names = (await readTar(tarFile)).map((e) => e.name);
    assert.ok(names.includes('db/CURRENT'), names.join(' '));
    assert.ok(names.some((n) => n.startsWith('db/') && n.endsWith('.ldb')) || names.some((n) => n.endsWith('.log')));
    assert.ok(names.includes(`blobs/${delivered.blobId.slice(0, 2)}/${delivered.blobId}`), names.join(' '));
    // The system tar agrees it is a tar.
    const listed = await exec('tar', ['-tf', tarFile]).then(
      (r) => r.stdout,
      () => undefined,
    );
    if (listed !== undefined) assert.match(listed, /db\/CURRENT/);
    // The snapshot's scratch space is gone once the download ended.
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await readdir(join(h.deps.dataDir, 'web-tmp')), []);

    // Restore: refused without confirmation or for a file that is not a backup, staged otherwise.
    const upload = (payload: Buffer, confirm?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/restore',
        headers: {
          cookie: admin.cookie!,
          'x-pochta-csrf': admin.csrf,
          'content-type': 'application/x-tar',
          ...(confirm ? { 'x-pochta-confirm': confirm } : {}),
        },
        payload,
      });
    assert.equal((await upload(res.rawPayload)).json().error.field, 'confirm');
    const junk = await upload(Buffer.alloc(2048, 1), 'restore');
    assert.equal(junk.statusCode, 400);
    assert.equal(junk.json().error.field, 'file');
    const staged = await upload(res.rawPayload, 'restore');
    assert.equal(staged.statusCode, 200, staged.body);
    assert.equal(staged.json().staged, true);
    assert.equal((await admin.req('GET', '/api/restore')).json.staged, true);

    // What the next start does, on a copy of the data dir (this one is open).
    const other = await mkdtemp(join(work, 'data-'));
    const fresh = await openStore({ dir: other });
    await fresh.close();
    const paths = stagedRestorePaths(h.deps.dataDir);
    const otherPaths = stagedRestorePaths(other);
    await exec('mkdir', ['-p', otherPaths.dir]);
    await writeFile(otherPaths.tar, await readFile(paths.tar));
    await writeFile(otherPaths.info, await readFile(paths.info));
    const aside = await applyStagedRestore(other);
    assert.ok(aside && (await stat(join(aside, 'db'))).isDirectory(), 'the previous data is kept aside');
    const restored = await openStore({ dir: other });
    try {
      const account = await restored.findAccount('anna@example.test');
      assert.ok(account);
      const inbox = await restored.getMailbox(account.id, 'INBOX');
      const messages = await restored.listMessages(inbox!.id);
      assert.equal(messages.length, 1);
      assert.equal(Buffer.from((await restored.readBody(messages[0]!.blobId))!).toString(), body.toString());
    } finally {
      await restored.close();
    }
    const cancelled = await admin.req('DELETE', '/api/restore');
    assert.equal(cancelled.json.staged, false);
  });
});
