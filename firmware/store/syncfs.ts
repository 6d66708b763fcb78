// syncfs(2) of the file system holding a directory, for the body mover. Node
// has no binding for it; coreutils' `sync -f DIR` is that call. Spawning it
// from the daemon costs a fork of a process of a few hundred MB, which
// blocks the store's thread for several milliseconds each time, so one small
// shell is kept running and asked to run `sync -f` for each request instead.
// Each request is a line (the directory) in, a line ("ok" or "fail") out; one
// runs at a time. If the shell dies it is started again on the next request.

import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const SCRIPT =
  'command -v sync >/dev/null 2>&1 || exit 127; while IFS= read -r dir; do if sync -f -- "$dir"; then echo ok; else echo fail; fi; done';

/** A child's stdout pipe is a net.Socket, which can be unref'd; the stdio typing only says Readable. */
function asSocket(stream: Readable): Socket {
  return stream as unknown as Socket;
}

/** Thrown when `sync -f` cannot be run here at all (no shell or no coreutils): fall back to fsync per file. */
export class SyncfsUnavailable extends Error {}

export class Syncfs {
  readonly #shell: string;
  #child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  #lines: Interface | undefined;
  #waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #tail: Promise<void> = Promise.resolve();

  constructor(options: { shell?: string } = {}) {
    this.#shell = options.shell ?? 'sh';
  }

  /** Make everything written to the file system of `dir` durable. */
  sync(dir: string): Promise<void> {
    if (dir.includes('\n')) return Promise.reject(new SyncfsUnavailable('directory name with a newline'));
    const run = this.#tail.then(() => this.#request(dir));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Stop the shell (the store closes). */
  close(): void {
    const child = this.#child;
    this.#child = undefined;
    this.#lines?.close();
    this.#lines = undefined;
    child?.stdin.end();
    child?.kill();
    this.#failAll(new Error('the store closed'));
  }

  #request(dir: string): Promise<void> {
    const child = this.#start();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      // while a request waits, the shell keeps the process alive; otherwise it must not
      asSocket(child.stdout).ref();
      child.stdin.write(`${dir}\n`);
    });
  }

  #start(): ChildProcessByStdio<Writable, Readable, null> {
    if (this.#child) return this.#child;
    const child = spawn(this.#shell, ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
    child.unref();
    asSocket(child.stdout).unref();
    child.stdin.on('error', () => undefined); // a dead shell: its exit fails the waiting requests
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const next = this.#waiting.shift();
      if (this.#waiting.length === 0) asSocket(child.stdout).unref();
      if (line === 'ok') next?.resolve();
      else next?.reject(new Error('sync -f failed'));
    });
    child.on('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      this.#forget(child);
      this.#failAll(missing ? new SyncfsUnavailable(`${this.#shell}: not found`) : err);
    });
    child.on('exit', (code) => {
      this.#forget(child);
      // the shell answers "fail" itself when sync fails; exiting at once (127) means no sync here
      this.#failAll(code === 127 ? new SyncfsUnavailable('sync: not found') : new Error(`sync shell exited (${code})`));
    });
    this.#child = child;
    this.#lines = lines;
    return child;
  }

  #forget(child: ChildProcessByStdio<Writable, Readable, null>): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#lines?.close();
    this.#lines = undefined;
  }

  #failAll(err: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(err);
  }
}
