// TLS material: a self-signed certificate made on first start (so every
// listener can offer TLS from the first minute), and a SecureContext that
// follows the files when the admin replaces them from the web UI.

import { execFile } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import type { Logger, TlsFiles } from '../supervisor/service.ts';

const execFileAsync = promisify(execFile);

export interface EnsureTlsOptions extends TlsFiles {
  /** The box's name; the certificate also names localhost, 127.0.0.1 and ::1. */
  readonly hostname: string;
  /** Extra names or IP addresses for the certificate. */
  readonly altNames?: readonly string[];
  readonly days?: number;
  /** The openssl binary; overridable for tests. */
  readonly openssl?: string;
}

/**
 * Make a self-signed certificate and key when either file is missing.
 * Returns true when it made them. The key is written with mode 0600 before
 * it is moved into place, so it is never readable by others, even briefly.
 */
export async function ensureTlsFiles(options: EnsureTlsOptions): Promise<boolean> {
  if ((await exists(options.certPath)) && (await exists(options.keyPath))) return false;
  const names = [...new Set([options.hostname, 'localhost', '127.0.0.1', '::1', ...(options.altNames ?? [])])];
  const san = names.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
  await mkdir(dirname(options.certPath), { recursive: true, mode: 0o700 });
  await mkdir(dirname(options.keyPath), { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(dirname(options.keyPath), '.tls-'));
  try {
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    // P-256: instant to generate on a Pi and accepted by every current mail client.
    const openssl = options.openssl ?? 'openssl';
    await execFileAsync(
      openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        String(options.days ?? 3650),
        '-subj',
        `/CN=${options.hostname}`,
        '-addext',
        `subjectAltName=${san}`,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { timeout: 60_000 },
    ).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
      const why = err.code === 'ENOENT' ? `${openssl} is not installed` : (err.stderr?.trim().split('\n').pop() ?? err.message);
      throw new Error(
        `cannot make a TLS certificate (${why}); install openssl or put a certificate at ${options.certPath} and its key at ${options.keyPath}`,
      );
    });
    await chmod(key, 0o600);
    await chmod(cert, 0o644);
    await rename(key, options.keyPath);
    await rename(cert, options.certPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return true;
}

export interface TlsContextSource {
  /** The context made from the files as last read successfully. */
  current(): SecureContext;
  /** Re-read the files now; a failed read keeps the previous context. Resolves true when it changed. */
  reload(): Promise<boolean>;
  /** Stop watching the files. */
  close(): void;
}

/**
 * Load a SecureContext from the files and reload it when they change (watching
 * their directories, since editors and `mv` replace files rather than write them).
 * Throws when the first load fails.
 */
export async function loadTlsContext(files: TlsFiles, options: { log?: Logger; debounceMs?: number } = {}): Promise<TlsContextSource> {
  let context = await readContext(files);
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  const reload = async (): Promise<boolean> => {
    try {
      context = await readContext(files);
      options.log?.info({ cert: files.certPath }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      options.log?.warn({ err: String(err), cert: files.certPath }, 'TLS files unreadable; keeping the previous certificate');
      return false;
    }
  };
  const names = new Set([basename(files.certPath), basename(files.keyPath)]);
  for (const dir of new Set([dirname(files.certPath), dirname(files.keyPath)])) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file !== null && !names.has(file)) return;
        // Cert and key are usually replaced one after the other: wait for both.
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), options.debounceMs ?? 500);
        timer.unref();
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // No inotify (or the directory vanished): reload() still works on demand.
    }
  }
  return {
    current: () => context,
    reload,
    close: () => {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

async function readContext(files: TlsFiles): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(files.certPath), readFile(files.keyPath)]);
  return createSecureContext({ cert, key });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
