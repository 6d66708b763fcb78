// Read an SMTP server's greeting (the 220 line, multi-line included) and hang
// up with QUIT: enough to tell whether port 25 reaches the box or something else.

import { connect } from 'node:net';

/** The greeting text (lines joined by a space); rejects when nothing answers within timeoutMs. */
export function readSmtpGreeting(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    let done = false;
    const finish = (err: Error | undefined, greeting?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (!err && !socket.destroyed) socket.end('QUIT\r\n');
      setImmediate(() => socket.destroy());
      if (err) reject(err);
      else resolve(greeting!);
    };
    const timer = setTimeout(() => finish(new Error(`no greeting within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // A multi-line greeting is "220-..." lines ended by "220 ...".
      const lines = text.split('\r\n');
      const last = lines.findIndex((l) => /^\d{3} /.test(l) || /^\d{3}$/.test(l));
      if (last >= 0) finish(undefined, lines.slice(0, last + 1).join(' '));
      else if (text.length > 4096) finish(undefined, text.slice(0, 200));
    });
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error(text ? `closed after "${text.trim().slice(0, 80)}"` : 'closed without a greeting')));
  });
}
