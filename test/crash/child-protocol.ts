// The line protocol between a crash test and the child it kills with -9.
// The child says what it did, one line each ("ready", "ack deliver <uid>
// <blobId>", "try expunge <uid>", ...); the parent reads every line written
// before the kill and checks the reopened store against them.

import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * In the child: write one protocol line synchronously. process.stdout on a
 * pipe is asynchronous on POSIX, so a "try expunge" line could still sit in
 * the dying process while the expunge it announces had committed (and the
 * parent would call the message lost). writeSync puts each line in the pipe
 * before the child goes on; the pipe is non-blocking, so a full one is waited out.
 */
export function say(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** One protocol line split into its words: kind ("ack", "try"), what, and up to two values. */
export type ChildLine = readonly [kind: string, what: string | undefined, a: string | undefined, b: string | undefined];

/**
 * In the parent: run `script` with `args` until `delayMs` after it said
 * "ready", kill it with SIGKILL, and hand every line it wrote before dying to
 * `onLine`. Resolves with what it wrote on stderr (empty when all went well).
 */
export async function runAndKill(
  script: string,
  args: readonly string[],
  delayMs: number,
  onLine: (line: ChildLine) => void,
): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const closed = new Promise((resolve) => lines.once('close', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`child exited before ready: ${stderr}`)));
    lines.on('line', (line) => {
      const [kind = '', what, a, b] = line.split(' ');
      if (kind === 'ready') resolve();
      else onLine([kind, what, a, b]);
    });
  });
  await ready;
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await exited;
  await closed; // every line the child wrote before it died has been read
  return stderr;
}
