// tlsGreetingProbe against real TLS servers with a self-signed certificate
// (as the box has until the admin installs one): it handshakes without
// verifying, then reads the greeting like the plain probe.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createPlainServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { ensureTlsFiles } from '../../firmware/net/tls.ts';
import { type ListenAddress, tlsGreetingProbe } from '../../firmware/supervisor/index.ts';

describe('TLS greeting probe (smtps, imaps, pop3s)', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  const servers: { close(cb: () => void): unknown }[] = [];
  const sockets = new Set<{ destroy(): void }>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-tls-probe-'));
    const files = { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem'), hostname: 'box.test' };
    await ensureTlsFiles(files);
    cert = await readFile(files.certPath);
    key = await readFile(files.keyPath);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await rm(dir, { recursive: true, force: true });
  });

  async function listen(server: Server | ReturnType<typeof createPlainServer>): Promise<ListenAddress> {
    servers.push(server);
    // A handshake that fails leaves the raw socket open on the server side.
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bound = server.address();
    assert.ok(bound && typeof bound === 'object');
    return { host: '127.0.0.1', port: bound.port };
  }

  const tlsGreeter = (greeting: string | undefined) =>
    listen(
      createServer({ cert, key }, (socket: TLSSocket) => {
        sockets.add(socket);
        socket.on('error', () => {});
        if (greeting !== undefined) socket.write(greeting);
      }),
    );

  it('passes on each protocol greeting behind a self-signed certificate', async () => {
    await tlsGreetingProbe(/^220 /)(await tlsGreeter('220 box.test ESMTP\r\n'), 2000);
    await tlsGreetingProbe(/^\* OK/)(await tlsGreeter('* OK IMAP4rev1 ready\r\n'), 2000);
    await tlsGreetingProbe(/^\+OK/)(await tlsGreeter('+OK POP3 ready\r\n'), 2000);
    // A wildcard bind is dialled on loopback.
    const any = await tlsGreeter('220 any\r\n');
    await tlsGreetingProbe(/^220 /)({ host: '0.0.0.0', port: any.port }, 2000);
  });

  it('fails when the handshake completes but no greeting follows (accepts, no longer greets)', async () => {
    await assert.rejects(tlsGreetingProbe(/^220 /)(await tlsGreeter(undefined), 300), /no greeting within 300 ms/);
  });

  it('fails on a wrong greeting and on a port that does not speak TLS', async () => {
    await assert.rejects(tlsGreetingProbe(/^\+OK/)(await tlsGreeter('-ERR busy\r\n'), 2000), /unexpected greeting: -ERR busy/);
    const plain = await listen(
      createPlainServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.end('220 plain text, no TLS\r\n');
      }),
    );
    await assert.rejects(tlsGreetingProbe(/^220 /)(plain, 2000));
  });
});
