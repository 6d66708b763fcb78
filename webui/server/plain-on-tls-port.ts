// The HTTPS port also answers a plain-HTTP request (first byte is not a TLS
// handshake): GET /health gets 200 (the supervisor's probe speaks plain HTTP),
// anything else a redirect to https:// on the same port. Done by looking at
// the first bytes of each connection before the TLS server sees them; Node's
// TLSSocket takes bytes already read from the socket as received data.

import type { Server, Socket } from 'node:net';

const TLS_HANDSHAKE = 0x16;
const MAX_HEAD = 8192;

export function acceptPlainHttp(server: Server, options: { httpsPort: () => number; fallbackHost: string; idleMs?: number }): void {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const idle = setTimeout(() => socket.destroy(), options.idleMs ?? 30_000);
    const onError = () => {
      clearTimeout(idle);
      socket.destroy();
    };
    socket.once('error', onError);
    socket.once('data', (first: Buffer) => {
      clearTimeout(idle);
      socket.pause();
      socket.unshift(first);
      socket.off('error', onError);
      if (first[0] === TLS_HANDSHAKE) {
        for (const listener of tlsListeners) listener.call(server, socket);
        return;
      }
      answerPlain(socket, options.httpsPort(), options.fallbackHost);
    });
  });
}

function answerPlain(socket: Socket, httpsPort: number, fallbackHost: string): void {
  let head = '';
  const timer = setTimeout(() => socket.destroy(), 10_000);
  socket.on('error', () => socket.destroy());
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    head += chunk;
    if (!head.includes('\r\n\r\n') && !head.includes('\n\n') && head.length < MAX_HEAD) return;
    clearTimeout(timer);
    socket.removeAllListeners('data');
    const [requestLine = '', ...headerLines] = head.split(/\r?\n/);
    const [, path = '/'] = requestLine.split(' ');
    const host =
      headerLines
        .find((l) => /^host:/i.test(l))
        ?.slice(5)
        .trim() ?? '';
    const hostOnly = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.exec(host)?.[1] ?? fallbackHost;
    if (path === '/health') {
      const body = '{"ok":true}';
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    const port = httpsPort === 443 ? '' : `:${httpsPort}`;
    const target = `https://${hostOnly}${port}${path.startsWith('/') ? path : '/'}`;
    socket.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: ${target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  socket.resume();
}
