// The first-start certificate (made with the openssl CLI) and the reloading
// SecureContext, checked with a real TLS handshake on loopback.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer } from 'node:tls';
import { ensureTlsFiles, loadTlsContext } from '../../../firmware/net/tls.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pochta-tls-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Handshake with a server using `source` and return the peer certificate's subject CN. */
async function handshakeCn(source: Awaited<ReturnType<typeof loadTlsContext>>): Promise<string> {
  const server = createServer({ SNICallback: (_name, cb) => cb(null, source.current()) }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', rejectUnauthorized: false },
        () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.end();
        },
      );
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('TLS files', () => {
  it('makes a self-signed certificate naming the box, localhost and loopback, key mode 0600', async () => {
    const files = { certPath: join(dir, 'tls', 'cert.pem'), keyPath: join(dir, 'tls', 'key.pem') };
    assert.equal(await ensureTlsFiles({ ...files, hostname: 'mx.example.test' }), true);
    assert.equal((await stat(files.keyPath)).mode & 0o777, 0o600);
    const cert = new X509Certificate(await readFile(files.certPath));
    assert.match(cert.subject, /CN=mx\.example\.test/);
    for (const name of ['DNS:mx.example.test', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
      assert.ok(cert.subjectAltName?.includes(name), `${name} in ${cert.subjectAltName}`);
    }
    assert.equal(cert.checkHost('mx.example.test'), 'mx.example.test');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(await ensureTlsFiles({ ...files, hostname: 'other.test' }), false, 'existing files are kept');
  });

  it('serves a context and reloads it when the files are replaced; a broken file keeps the old one', async () => {
    const files = { certPath: join(dir, 'r', 'cert.pem'), keyPath: join(dir, 'r', 'key.pem') };
    await ensureTlsFiles({ ...files, hostname: 'first.test' });
    const source = await loadTlsContext(files);
    try {
      assert.equal(await handshakeCn(source), 'first.test');
      // Replace both files, as the web UI's certificate upload will.
      const next = { certPath: join(dir, 'n', 'cert.pem'), keyPath: join(dir, 'n', 'key.pem') };
      await ensureTlsFiles({ ...next, hostname: 'second.test' });
      await writeFile(files.certPath, await readFile(next.certPath));
      await writeFile(files.keyPath, await readFile(next.keyPath));
      assert.equal(await source.reload(), true);
      assert.equal(await handshakeCn(source), 'second.test');
      await writeFile(files.certPath, 'not a certificate');
      assert.equal(await source.reload(), false);
      assert.equal(await handshakeCn(source), 'second.test');
    } finally {
      source.close();
    }
  });

  it('says what to do when openssl is missing', async () => {
    await assert.rejects(
      ensureTlsFiles({
        certPath: join(dir, 'x', 'c.pem'),
        keyPath: join(dir, 'x', 'k.pem'),
        hostname: 'h.test',
        openssl: '/nonexistent/openssl',
      }),
      /cannot make a TLS certificate \(\/nonexistent\/openssl is not installed\); install openssl or put a certificate at/,
    );
  });

  it('refuses to start from unreadable files', async () => {
    await assert.rejects(loadTlsContext({ certPath: join(dir, 'none.pem'), keyPath: join(dir, 'none.key') }));
  });
});
