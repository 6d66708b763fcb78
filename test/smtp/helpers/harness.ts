// Runs an SMTP listener in-process for protocol tests: the real service
// factory, a real store in a temp dir, a real DNS server on loopback, real TLS
// files, and a logger that keeps its lines so tests can check what is logged.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { ensureTlsFiles } from '../../../firmware/net/tls.ts';
import type { SmtpMode } from '../../../firmware/smtp/policy.ts';
import { createSmtpService, type SmtpServiceOverrides } from '../../../firmware/smtp/service.ts';
import type { MailStore } from '../../../firmware/store/types.ts';
import type { ListenerContext, Logger, Service, TlsFiles } from '../../../firmware/supervisor/service.ts';
import type { TestDnsServer } from '../../support/dns-server.ts';

export interface LogLine {
  readonly level: string;
  readonly bindings: Record<string, unknown>;
  readonly obj: unknown;
  readonly msg?: string | undefined;
}

/** A Logger that keeps every line (with its child bindings) in `lines`. */
export function captureLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, bindings, obj, msg });
    };
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}

/** Self-signed TLS files for the tests of one file, in a temp dir. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const files = { certPath: join(dir, 'tls', 'cert.pem'), keyPath: join(dir, 'tls', 'key.pem') };
  await ensureTlsFiles({ ...files, hostname: 'mx.test' });
  return files;
}

export interface RunningSmtp {
  readonly port: number;
  readonly service: Service;
  readonly log: Logger & { lines: LogLine[] };
  stop(): Promise<void>;
}

export interface StartOptions extends SmtpServiceOverrides {
  readonly mode: SmtpMode;
  readonly store: MailStore;
  readonly tls: TlsFiles;
  readonly dns: TestDnsServer;
  readonly dev?: boolean;
  readonly now?: () => number;
  readonly dataDir?: string;
  /** Address to bind; 127.0.0.1 by default ('::1' for IPv6 tests). */
  readonly host?: string;
}

export async function startSmtp(options: StartOptions): Promise<RunningSmtp> {
  const log = captureLogger();
  const ctx: ListenerContext = {
    name: options.mode,
    address: { host: options.host ?? '127.0.0.1', port: 0 },
    store: options.store,
    log,
    hostname: 'mx.test',
    dataDir: options.dataDir ?? tmpdir(),
    tls: options.tls,
    dev: options.dev ?? false,
    now: options.now ?? Date.now,
  };
  const resolver = options.resolver ?? new DnsResolver({ servers: [`127.0.0.1:${options.dns.port}`], timeoutMs: 500, tries: 1 });
  const service = await createSmtpService(ctx, { ...options, resolver });
  await service.start();
  const port = service.address?.()?.port;
  if (!port) throw new Error('service did not report its port');
  return { port, service, log, stop: () => service.stop(Date.now() + 500) };
}

/** A temp dir removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every log line as one JSON text, to search for things that must never be logged. */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n');
}
