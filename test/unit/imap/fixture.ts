// A real IMAP server on a loopback port over a real store in a temp dir.

import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImapDeps } from '../../../firmware/imap/commands/types.ts';
import { createImapServer, type ImapServer, type ImapServerOptions } from '../../../firmware/imap/server.ts';
import { analyze } from '../../../firmware/mime/index.ts';
import { type LevelMailStore, openStore, verifyPassword } from '../../../firmware/store/index.ts';
import type { Account } from '../../../firmware/store/types.ts';
import type { Logger } from '../../../firmware/supervisor/service.ts';
import { manualTimers } from '../../support/manual-timers.ts';
import { TestClient } from './client.ts';

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

/**
 * A password hash in the store's format at the lowest cost it accepts
 * (ln=10): logins in tests take a millisecond instead of scrypt's real cost.
 */
export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 });
  return `$scrypt$ln=10,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface Fixture {
  readonly store: LevelMailStore;
  readonly server: ImapServer;
  readonly port: number;
  readonly account: Account;
  readonly deps: ImapDeps;
  connect(): Promise<TestClient>;
  /** Connect, read the greeting and LOGIN. */
  login(): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startFixture(overrides: Partial<ImapDeps> = {}, options: ImapServerOptions = {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pochta-imap-'));
  // The MIME room's analyzer, as the daemon wires it: FETCH and SEARCH read what it stored.
  const store = await openStore({ dir, analyze });
  await store.addDomain('example.com');
  const account = await store.createAccount({ address: 'alice@example.com', passwordHash: cheapHash(PASSWORD) });
  const deps: ImapDeps = {
    store,
    log: silentLog,
    now: Date.now,
    hostname: 'mail.example.com',
    async authenticate(address, password) {
      const found = await store.findAccount(address.toLowerCase());
      if (found === undefined) return undefined;
      return (await verifyPassword(password, found.passwordHash)) ? found : undefined;
    },
    allowInsecureAuth: () => true,
    maxMessageBytes: 1024 * 1024,
    ...overrides,
  };
  const server = createImapServer(deps, options);
  const { port } = await server.listen(0, '127.0.0.1');
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.connect(port);
    clients.push(c);
    return c;
  };
  return {
    store,
    server,
    port,
    account,
    deps,
    connect,
    async login() {
      const c = await connect();
      await c.response();
      const r = await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'login');
      if (!r.at(-1)?.startsWith('login OK')) throw new Error(`login failed: ${r.join('\n')}`);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.close(Date.now() + 1000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
