// A real POP3 service (the supervisor's createService path) on a loopback port
// over a real store in a temp dir, with a self-signed certificate.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTlsFiles } from '../../../firmware/net/tls.ts';
import { leaseName } from '../../../firmware/pop3/maildrop-lock.ts';
import { createPop3Service, type Pop3ServiceOverrides } from '../../../firmware/pop3/service.ts';
import { hashPassword, type LevelMailStore, openStore } from '../../../firmware/store/index.ts';
import type { Account } from '../../../firmware/store/types.ts';
import type { ListenAddress, ListenerName, Logger, Service, TlsFiles } from '../../../firmware/supervisor/service.ts';
import { manualTimers } from '../../support/manual-timers.ts';
import { Pop3TestClient } from './client.ts';

export { manualTimers };

export const silentLog: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => silentLog,
};

export const PASSWORD = 'correct horse battery';
export const USER = 'alice@example.com';

export interface Pop3Service extends Service {
  address(): ListenAddress | undefined;
}

export interface Fixture {
  readonly dir: string;
  readonly store: LevelMailStore;
  readonly account: Account;
  readonly inboxId: string;
  readonly tls: TlsFiles;
  /** Start a listener on port 0; stopped by close(). */
  service(
    name: ListenerName,
    options?: { dev?: boolean; overrides?: Pop3ServiceOverrides },
  ): Promise<{ service: Pop3Service; port: number }>;
  /** Put a message into alice's INBOX. */
  deliver(body: string | Buffer): Promise<number>;
  connect(port: number): Promise<Pop3TestClient>;
  connectTls(port: number): Promise<Pop3TestClient>;
  /** Wait until no session holds alice's maildrop lock (a dropped client's server side has finished). */
  unlocked(): Promise<void>;
  /** Connect (plain), read the greeting, USER/PASS. */
  login(port: number): Promise<Pop3TestClient>;
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-pop3-'));
  const tlsFiles: TlsFiles = { certPath: path.join(dir, 'tls', 'cert.pem'), keyPath: path.join(dir, 'tls', 'key.pem') };
  await ensureTlsFiles({ ...tlsFiles, hostname: 'mail.example.com' });
  const store = await openStore({ dir: path.join(dir, 'data') });
  await store.addDomain('example.com');
  const account = await store.createAccount({ address: USER, passwordHash: await hashPassword(PASSWORD) });
  const inbox = await store.getMailbox(account.id, 'INBOX');
  if (inbox === undefined) throw new Error('no INBOX');
  const services: Service[] = [];
  const clients: Pop3TestClient[] = [];
  const track = (c: Pop3TestClient) => {
    clients.push(c);
    return c;
  };
  const fixture: Fixture = {
    dir,
    store,
    account,
    inboxId: inbox.id,
    tls: tlsFiles,
    async service(name, options = {}) {
      const service = await createPop3Service(
        {
          name,
          address: { host: '127.0.0.1', port: 0 },
          store,
          log: silentLog,
          hostname: 'mail.example.com',
          dataDir: dir,
          tls: tlsFiles,
          dev: options.dev ?? true,
          now: Date.now,
        },
        { sleep: async () => undefined, ...options.overrides },
      );
      await service.start();
      services.push(service);
      const port = service.address()?.port;
      if (port === undefined) throw new Error('not bound');
      return { service, port };
    },
    async deliver(body) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const meta = await store.appendMessage(inbox.id, bytes);
      return meta.uid;
    },
    connect: async (port) => track(await Pop3TestClient.connect(port)),
    connectTls: async (port) => track(await Pop3TestClient.connectTls(port)),
    async unlocked() {
      for (let i = 0; i < 200; i++) {
        if (await store.acquireLease(leaseName(account.id), 'test-probe', 1)) {
          await store.releaseLease(leaseName(account.id), 'test-probe');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('maildrop still locked');
    },
    async login(port) {
      const c = track(await Pop3TestClient.connect(port));
      const greeting = await c.line();
      if (!greeting.startsWith('+OK')) throw new Error(`greeting: ${greeting}`);
      if (!(await c.command(`USER ${USER}`)).startsWith('+OK')) throw new Error('USER refused');
      const reply = await c.command(`PASS ${PASSWORD}`);
      if (!reply.startsWith('+OK')) throw new Error(`PASS refused: ${reply}`);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      for (const s of services) await s.stop(Date.now() + 2000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** A small RFC 5322 message with CRLF line ends. */
export function message(subject: string, body = 'Hello.\r\n'): string {
  return `From: bob@example.net\r\nTo: ${USER}\r\nSubject: ${subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\n${body}`;
}
