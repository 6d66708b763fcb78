// The admin socket over a real unix socket, and the promise that secrets never
// reach the log: not through admin actions, not through a careless log call.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type AdminDeps, runAdminAction } from '../../../firmware/admin/actions.ts';
import { connectAdmin } from '../../../firmware/admin/socket-client.ts';
import { type AdminServer, groupId, startAdminServer } from '../../../firmware/admin/socket-server.ts';
import { storeAddresses, storePasswords } from '../../../firmware/admin/store-tools.ts';
import { isPochtaError } from '../../../firmware/errors.ts';
import { createLogger } from '../../../firmware/log.ts';
import { openStore } from '../../../firmware/store/index.ts';
import type { MailStore } from '../../../firmware/store/types.ts';

const SECRET = 'Unlikely-Secret-Phrase-31';
let dir: string;
let store: MailStore;
let server: AdminServer;
let logText = '';
const logStream = new PassThrough();
logStream.on('data', (chunk: Buffer) => (logText += chunk.toString()));
const log = createLogger({ level: 'trace', destination: logStream });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-sock-'));
  store = await openStore({ dir });
  const deps: AdminDeps = {
    store,
    config: { dev: false, dataDir: dir, hostname: 'localhost' },
    passwords: storePasswords,
    addresses: storeAddresses,
    version: 'test',
    now: Date.now,
  };
  server = await startAdminServer({ path: join(dir, 'admin.sock'), handle: (a, p) => runAdminAction(deps, a, p), log });
});
after(async () => {
  await server?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin socket', () => {
  it('is a unix socket with mode 0660', async () => {
    const info = await stat(join(dir, 'admin.sock'));
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o660);
  });

  it('runs actions and returns catalogue errors; no password reaches the log', async () => {
    const client = await connectAdmin(join(dir, 'admin.sock'));
    try {
      await client.call('domain.add', { name: 'example.test' });
      const [a, b] = await Promise.all([
        client.call('user.add', { address: 'a@example.test', password: SECRET }),
        client.call('user.add', { address: 'b@example.test', password: SECRET }),
      ]);
      assert.equal((a as { address: string }).address, 'a@example.test');
      assert.equal((b as { address: string }).address, 'b@example.test');
      await assert.rejects(client.call('user.add', { address: 'a@example.test', password: SECRET }), (err: unknown) =>
        isPochtaError(err, 'ALREADY_EXISTS'),
      );
      await assert.rejects(client.call('user.passwd', { address: 'a@example.test', password: 'weak' }), (err: unknown) =>
        isPochtaError(err, 'WEAK_PASSWORD'),
      );
      await client.call('user.passwd', { address: 'a@example.test', password: `${SECRET}-2` });
    } finally {
      client.close();
    }
    assert.match(logText, /"action":"user\.add"/);
    assert.match(logText, /"code":"WEAK_PASSWORD"/);
    assert.equal(logText.includes(SECRET), false, 'the password is not in the log');
    assert.equal(logText.includes('scrypt'), false, 'nor its hash');
  });

  it('answers garbage with an error line and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(join(dir, 'admin.sock'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        text += d;
        if (text.includes('\n')) {
          socket.end();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write('this is not json\n');
    });
    assert.equal((JSON.parse(reply) as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
    const client = await connectAdmin(join(dir, 'admin.sock'));
    assert.ok(await client.call('ping'));
    client.close();
  });

  it('tells the CLI plainly when nobody listens', async () => {
    await assert.rejects(connectAdmin(join(dir, 'nobody.sock')), (err: unknown) => isPochtaError(err, 'DAEMON_NOT_RUNNING'));
  });

  it('gives the socket to the pochta group when that group exists', {
    skip: process.getuid?.() !== 0 ? 'needs root to chown' : false,
  }, async () => {
    const groupFile = join(dir, 'group-file');
    await writeFile(groupFile, 'pochta:x:4242:\n');
    const path = join(dir, 'grouped.sock');
    const grouped = await startAdminServer({ path, handle: async () => null, log, groupFile });
    try {
      const info = await stat(path);
      assert.equal(info.gid, 4242);
      assert.equal(info.mode & 0o777, 0o660);
    } finally {
      await grouped.close();
    }
  });

  it('refuses users outside root and the pochta group', {
    skip: process.getuid?.() !== 0 ? 'needs root to switch user' : false,
  }, async () => {
    const open = await mkdtemp(join(tmpdir(), 'pochta-sock-open-'));
    await chmod(open, 0o755);
    const path = join(open, 'admin.sock');
    const server = await startAdminServer({ path, handle: async () => null, log, groupFile: join(open, 'no-group-file') });
    try {
      const client = fileURLToPath(new URL('../../../firmware/admin/socket-client.ts', import.meta.url));
      const script = `import(${JSON.stringify(client)}).then((m) => m.connectAdmin(${JSON.stringify(path)})).then(() => console.log('connected'), (e) => console.log(e.code, e.message))`;
      // As nobody, in a child process (an async spawn: the server must keep answering meanwhile).
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534 });
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
        child.on('error', reject);
        child.on('close', () => resolve(text));
      });
      assert.match(out, /^FORBIDDEN cannot open .*admin\.sock: run as root or as a member of the pochta group/);
    } finally {
      await server.close();
      await rm(open, { recursive: true, force: true });
    }
  });

  it('finds the pochta group in a group file', async () => {
    const file = join(dir, 'group');
    await writeFile(file, 'root:x:0:\npochta:x:998:alice\n');
    assert.equal(groupId('pochta', file), 998);
    assert.equal(groupId('mail', file), undefined);
    assert.equal(groupId('pochta', join(dir, 'missing')), undefined);
  });
});

describe('log redaction', () => {
  for (const pretty of [false, true]) {
    it(`redacts secrets by field name (${pretty ? 'pretty' : 'JSON'})`, () => {
      let text = '';
      const out = new PassThrough();
      out.on('data', (c: Buffer) => (text += c.toString()));
      const logger = createLogger({ level: 'info', pretty, destination: out });
      const conn = logger.child({ conn: 'abc123' });
      conn.info(
        { password: SECRET, params: { password: SECRET, address: 'a@example.test' }, auth: { response: { password: SECRET } } },
        'login',
      );
      conn.info({ passwordHash: `$scrypt$${SECRET}`, body: `Subject: hi\r\n\r\n${SECRET}`, authPayload: SECRET }, 'stored');
      assert.equal(text.includes(SECRET), false, text);
      assert.match(text, /abc123/);
      assert.match(text, /a@example\.test/);
      assert.match(text, /\[redacted\]/);
    });
  }
});
