// Helpers for the box tests: short supervisor timings, reading the front panel
// through `pochta gpio state --json`, and bounded waits.

import net from 'node:net';
import type { BoardState } from '../../firmware/gpio/index.ts';
import type { ListenerName, ListenerStatus } from '../../firmware/supervisor/service.ts';
import type { TestDaemon } from '../support/daemon.ts';

/**
 * POCHTA_TIMINGS for the recovery tests: beats every 50 ms, a hang after
 * 300 ms (six missed beats; a stalled main loop counts as one, not six), 100 ms
 * before a restart (a fresh SMTP worker needs 0.7-1.1 s here just to import its
 * modules; the red LED blinks through all of it), a listener up for
 * 1 s counts as healthy again, a fourth failure within two minutes marks it
 * failed. Probes are slow and patient so a loaded machine does not cause
 * extra restarts.
 */
export const TEST_TIMINGS =
  'heartbeat=50,hang=600,backoff=100,backoff-max=100,healthy-after=1000,probe=1000,probe-timeout=3000,probe-failures=3,restarts=3,window=120000,long-press=600';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** `pochta gpio state --json`, as an admin would read it. */
export async function panelViaCli(daemon: TestDaemon): Promise<BoardState> {
  const result = await daemon.cli(['gpio', 'state', '--json']);
  if (result.code !== 0) throw new Error(`pochta gpio state failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as BoardState;
}

export async function listener(daemon: TestDaemon, name: ListenerName): Promise<ListenerStatus> {
  const found = (await daemon.status()).listeners.find((l) => l.name === name);
  if (!found) throw new Error(`no listener ${name}`);
  return found;
}

/** The first line a plain TCP server sends, or undefined when it refuses or says nothing within `timeoutMs`. */
export function greeting(port: number, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (line: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n');
      if (end >= 0) done(text.slice(0, end));
    });
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
  });
}
