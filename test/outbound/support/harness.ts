// Shared setup for outbound tests: a fake clock, a real store in a temp dir, a
// logger that keeps what it is told, and a runner wired to the test DNS server.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { QueueRunner, type RunnerOptions } from '../../../firmware/delivery/outbound/runner.ts';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { INLINE_BODY_LIMIT, openStore } from '../../../firmware/store/index.ts';
import type { MailStore } from '../../../firmware/store/types.ts';
import type { Logger } from '../../../firmware/supervisor/service.ts';
import type { TestDnsServer } from '../../support/dns-server.ts';

export const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export class FakeClock {
  t: number;
  constructor(start = T0) {
    this.t = start;
  }
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface LogLine {
  readonly level: string;
  readonly obj: unknown;
  readonly msg?: string;
}

/** A Logger that records lines (tests look for warnings) and prints nothing. */
export function memoryLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  const log = {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (): Logger => log,
  };
  return log;
}

export interface StoreFixture {
  readonly store: MailStore;
  readonly dir: string;
  close(): Promise<void>;
}

/** A temp directory and its removal. */
export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-outbound-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function tempStore(clock: FakeClock): Promise<StoreFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-outbound-'));
  const store = await openStore({ dir: path.join(dir, 'data'), now: clock.now });
  return {
    store,
    dir,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A runner on the test DNS server, short timeouts, repeatable MX order. */
export function testRunner(
  store: MailStore,
  clock: FakeClock,
  dns: TestDnsServer,
  extra: Partial<RunnerOptions> = {},
): { runner: QueueRunner; log: Logger & { lines: LogLine[] } } {
  const log = memoryLogger();
  const resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  let n = 0;
  const runner = new QueueRunner({
    store,
    hostname: 'box.here.test',
    now: clock.now,
    log,
    resolverFor: () => resolver,
    timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 4000 },
    random: () => 0.5,
    uniqueId: () => `dsn${++n}`,
    ...extra,
  });
  return { runner, log };
}

/** A self-signed certificate for `name` (and 127.0.0.1), made with the openssl CLI. */
export async function selfSignedCert(dir: string, name: string): Promise<{ key: string; cert: string }> {
  const keyPath = path.join(dir, `${name}.key`);
  const certPath = path.join(dir, `${name}.crt`);
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name},IP:127.0.0.1`,
  ]);
  return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
}

/** A plain message as a mail client would submit it. */
export function message(from: string, to: string, subject: string, extraHeaders = ''): Buffer {
  return Buffer.from(
    `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n${extraHeaders}\r\n` +
      `Hello,\r\n\r\nthis is ${subject}.\r\n.leading dot line\r\n`,
  );
}

/**
 * A message over the store's inline limit, so its body is a file and the
 * runner can stream it (with streamAboveBytes: 0) as it does large mail.
 */
export function largeMessage(from: string, to: string, subject: string): Buffer {
  const line = 'Streamed from its file, as every large body is sent out.\r\n';
  return Buffer.concat([message(from, to, subject), Buffer.from(line.repeat(Math.ceil((INLINE_BODY_LIMIT + 1) / line.length)))]);
}

/** All messages in an account's INBOX, bodies as text. */
export async function inboxTexts(store: MailStore, accountId: string): Promise<string[]> {
  const inbox = await store.getMailbox(accountId, 'INBOX');
  if (inbox === undefined) return [];
  const out: string[] = [];
  for (const m of await store.listMessages(inbox.id)) {
    const body = await store.readBody(m.blobId);
    if (body !== undefined) out.push(Buffer.from(body).toString('utf8'));
  }
  return out;
}
