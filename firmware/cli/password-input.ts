// Passwords reach the CLI on stdin, never in argv (where `ps` and shell history
// would show them): typed at a hidden prompt on a terminal, or piped by a script.

import { PochtaError } from '../errors.ts';
import type { CliIo } from './io.ts';

/** Read a password: the first line of piped stdin, or a hidden prompt (asked twice) on a terminal. */
export async function readPassword(io: CliIo, options: { prompt?: string; confirm?: boolean } = {}): Promise<string> {
  if (io.stdin.isTTY && io.stdin.setRawMode) {
    const first = await promptHidden(io, options.prompt ?? 'Password: ');
    if (options.confirm !== false) {
      const second = await promptHidden(io, 'Again: ');
      if (first !== second) throw new PochtaError('INVALID_ARGUMENT', 'the two passwords differ');
    }
    return first;
  }
  const text = await readAll(io.stdin);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new PochtaError('INVALID_ARGUMENT', 'expected the password on stdin (e.g. printf %s "$PW" | pochta ...)');
  return line;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(io: CliIo, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = io.stdin;
    io.stderr.write(prompt);
    let value = '';
    stdin.setRawMode?.(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new PochtaError('INVALID_ARGUMENT', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
