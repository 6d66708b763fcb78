import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { greetingProbe, httpProbe, type ListenAddress } from '../../../firmware/supervisor/index.ts';

const servers: Array<{ close(cb?: () => void): unknown }> = [];

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<ListenAddress> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bound = server.address();
  assert.ok(bound && typeof bound === 'object');
  return { host: bound.address, port: bound.port };
}

function greeter(text: string | undefined): Promise<ListenAddress> {
  return listen(
    createServer((socket) => {
      socket.on('error', () => {});
      if (text !== undefined) socket.write(text);
      setTimeout(() => socket.destroy(), 2000).unref();
    }),
  );
}

after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('greeting probe', () => {
  it('passes on the expected greeting of each protocol, also when it arrives in pieces', async () => {
    await greetingProbe(/^220 /)(await greeter('220 box.test ESMTP ready\r\n'), 500);
    await greetingProbe(/^\* OK/)(await greeter('* OK [CAPABILITY IMAP4rev1] ready\r\n'), 500);
    await greetingProbe(/^\+OK/)(await greeter('+OK POP3 ready\r\n'), 500);
    const split = await listen(
      createServer((socket) => {
        socket.write('22');
        setTimeout(() => socket.end('0 slow\r\n'), 30);
      }),
    );
    await greetingProbe(/^220 /)(split, 500);
  });

  it('fails on a wrong greeting, on silence, on a closed connection and on a refused port', async () => {
    await assert.rejects(greetingProbe(/^220 /)(await greeter('421 busy\r\n'), 500), /unexpected greeting: 421 busy/);
    await assert.rejects(greetingProbe(/^220 /)(await greeter(undefined), 150), /no greeting within 150 ms/);
    const closing = await listen(createServer((socket) => socket.end()));
    await assert.rejects(greetingProbe(/^220 /)(closing, 500), /closed before greeting/);
    const gone = await greeter('220 x\r\n');
    const last = servers.pop();
    await new Promise<void>((resolve) => last?.close(() => resolve()));
    await assert.rejects(greetingProbe(/^220 /)(gone, 500), /ECONNREFUSED/);
  });

  it('dials loopback for a wildcard bind', async () => {
    const address = await greeter('220 any\r\n');
    await greetingProbe(/^220 /)({ host: '0.0.0.0', port: address.port }, 500);
  });
});

describe('http probe', () => {
  it('passes on 200 over a fresh connection each time, and fails on other statuses and on silence', async () => {
    let connections = 0;
    const server = createHttpServer((req, res) => {
      if (req.url === '/health') res.end('ok');
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 1000).unref();
      else {
        res.statusCode = 503;
        res.end('down');
      }
    });
    server.on('connection', () => connections++);
    const address = await listen(server);
    await httpProbe('/health')(address, 500);
    await httpProbe('/health')(address, 500);
    assert.equal(connections, 2);
    await assert.rejects(httpProbe('/other')(address, 500), /answered 503/);
    await assert.rejects(httpProbe('/slow')(address, 100), /no answer to GET \/slow within 100 ms/);
  });
});
