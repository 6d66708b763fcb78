// Run a real `pochta serve` as a child process for tests: its own data dir,
// free loopback ports, ready when every listener reports 'running' over the
// admin socket. Any suite may use it (CLI, SMTP, IMAP, POP3, web).
//
// Ports: every socket listener gets a port picked by binding 127.0.0.1:0 and
// closing it again, passed with --listen NAME=127.0.0.1:PORT. Picking them up
// front (rather than letting the daemon bind port 0) keeps a listener on the
// same port across a supervisor restart, which restart tests rely on. The
// bound addresses are also read back from `status` (daemon.addresses).
//
// Always stop() (or kill()) a daemon in `after` or `finally`: a running child
// keeps the test file's process alive.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusView } from '../../firmware/admin/actions.ts';
import { connectAdmin } from '../../firmware/admin/socket-client.ts';
import { SOCKET_LISTENERS, type SocketListenerName } from '../../firmware/config/bootstrap.ts';
import type { ListenAddress, ListenerName } from '../../firmware/supervisor/service.ts';

export const MAIN = fileURLToPath(new URL('../../firmware/main.ts', import.meta.url));

export interface TestDaemonOptions {
  /** Use this data dir (kept afterwards); default: a fresh temp dir removed by stop(). */
  readonly dataDir?: string;
  /** Extra `serve` arguments, e.g. ['--dev'] or ['--hostname', 'mx.test']. */
  readonly args?: readonly string[];
  /** Extra environment (POCHTA_* from the test's own environment are dropped). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run only these listeners (the others get `--listen NAME=off`); default: every registered one. */
  readonly only?: readonly ListenerName[];
  /** Fixed addresses for some listeners instead of picked free ports. */
  readonly listen?: Partial<Record<SocketListenerName, string>>;
  readonly logLevel?: string;
  readonly readyTimeoutMs?: number;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestDaemon {
  readonly dataDir: string;
  readonly adminSocket: string;
  readonly pid: number;
  /** Where each socket listener was told to listen. */
  readonly ports: Readonly<Record<SocketListenerName, number>>;
  /** Bound addresses of the listeners that run, as reported by status once ready. */
  readonly addresses: Readonly<Partial<Record<ListenerName, ListenAddress>>>;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** Run `pochta ARGS --data <dataDir>` as a separate process; `stdin` is piped to it. */
  cli(args: readonly string[], options?: { stdin?: string; env?: Readonly<Record<string, string>> }): Promise<CliResult>;
  /** Call an admin action over the socket. */
  admin(action: string, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** The daemon's `status` action (listeners, store figures). */
  status(): Promise<StatusView>;
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`); removes a temp data dir. Resolves with the exit code. */
  stop(options?: { timeoutMs?: number; keepData?: boolean }): Promise<number | null>;
  /** SIGKILL, as a power cut would; the data dir is kept for a restart. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, with its code. */
  readonly exited: Promise<number | null>;
}

/** Pick `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('POCHTA_') && !key.startsWith('NODE_TEST')) env[key] = value;
  return { ...env, ...extra };
}

/** Run `pochta ARGS` (main.ts on this Node) to completion. */
export function runPochta(
  args: readonly string[],
  options: { stdin?: string; env?: Readonly<Record<string, string>>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: cleanEnv(options.env),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export async function startDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'pochta-daemon-')));
  const adminSocket = join(dataDir, 'admin.sock');
  const picked = await freePorts(SOCKET_LISTENERS.length);
  const ports = {} as Record<SocketListenerName, number>;
  const listenArgs: string[] = [];
  SOCKET_LISTENERS.forEach((name, i) => {
    const fixed = options.listen?.[name];
    ports[name] = fixed ? Number(fixed.slice(fixed.lastIndexOf(':') + 1)) : picked[i]!;
    const off = options.only !== undefined && !options.only.includes(name);
    listenArgs.push('--listen', `${name}=${off ? 'off' : (fixed ?? `127.0.0.1:${picked[i]}`)}`);
  });
  if (options.only !== undefined && !options.only.includes('queue')) listenArgs.push('--listen', 'queue=off');

  const child: ChildProcess = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--data',
      dataDir,
      '--hostname',
      'localhost',
      '--log-level',
      options.logLevel ?? 'info',
      ...listenArgs,
      ...(options.args ?? []),
    ],
    // The simulated front panel unless a test asks for another: parallel daemons must not share real GPIO.
    { env: cleanEnv({ POCHTA_GPIO_DRIVER: 'sim', ...options.env }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (d: string) => {
    output += d;
    // Keep memory bounded in long tests; the start and the end are what explain a failure.
    if (output.length > 4_000_000) output = output.slice(0, 1_000_000) + '\n[...]\n' + output.slice(-2_000_000);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? null : code);
      resolve(exitCode);
    }),
  );

  const call = async (action: string, params?: Readonly<Record<string, unknown>>): Promise<unknown> => {
    const client = await connectAdmin(adminSocket, { timeoutMs: 30_000 });
    try {
      return await client.call(action, params);
    } finally {
      client.close();
    }
  };

  const cleanup = async () => {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  };

  // Ready: the admin socket answers and every listener is running.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let status: StatusView | undefined;
  for (;;) {
    if (exitCode !== undefined) {
      await cleanup();
      throw new Error(`pochta serve exited with ${exitCode} before it was ready:\n${output}`);
    }
    try {
      status = (await call('status')) as StatusView;
      // Another daemon may answer on this socket path (a test that shares a data dir on purpose).
      if (status.pid === child.pid && status.listeners.every((l) => l.state === 'running')) break;
      const failed = status.listeners.find((l) => l.state === 'failed');
      if (failed) throw new Error(`listener ${failed.name} failed: ${failed.lastError}`);
    } catch (err) {
      if (!/not running|closed the admin/.test(String(err))) {
        child.kill('SIGKILL');
        await exited;
        await cleanup();
        throw new Error(`${String(err)}\n${output}`);
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      await cleanup();
      throw new Error(`pochta serve was not ready within ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const addresses: Partial<Record<ListenerName, ListenAddress>> = {};
  for (const l of status.listeners) if (l.address) addresses[l.name] = l.address;

  return {
    dataDir,
    adminSocket,
    pid: child.pid!,
    ports,
    addresses,
    exited,
    output: () => output,
    cli: (args, cliOptions = {}) => runPochta([...args, '--data', dataDir], cliOptions),
    admin: call,
    status: async () => (await call('status')) as StatusView,
    async stop(stopOptions = {}) {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopOptions.timeoutMs ?? 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!stopOptions.keepData) await cleanup();
      return exitCode ?? null;
    },
    async kill() {
      if (exitCode === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
