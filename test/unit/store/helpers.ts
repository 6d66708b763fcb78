// Shared set-up for store tests: a real store on disk in a fresh temp dir.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { type LevelMailStore, type OpenStoreOptions, openStore } from '../../../firmware/store/index.ts';
import { OPEN_MARKER_KEY } from '../../../firmware/store/keys.ts';
import type { Account, Mailbox } from '../../../firmware/store/types.ts';

export interface TestStore {
  readonly store: LevelMailStore;
  readonly dir: string;
  /** Reopen after close (same dir, same options plus overrides). */
  reopen(overrides?: Partial<OpenStoreOptions>): Promise<LevelMailStore>;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'pochta-store-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function tempStore(options: Partial<OpenStoreOptions> = {}): Promise<TestStore> {
  const dir = await tempDir();
  let current = await openStore({ ...options, dir });
  return {
    get store() {
      return current;
    },
    dir,
    async reopen(overrides = {}) {
      await current.close(); // closing twice is harmless
      current = await openStore({ ...options, ...overrides, dir });
      return current;
    },
    async cleanup() {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A placeholder hash: account tests do not need real scrypt (password.test.ts covers it). */
export const HASH = '$scrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA==';

export async function withAccount(
  store: LevelMailStore,
  address = 'alice@example.com',
  quotaBytes = 0,
): Promise<{ account: Account; inbox: Mailbox }> {
  const domain = address.slice(address.indexOf('@') + 1);
  if (!(await store.getDomain(domain))) await store.addDomain(domain);
  const account = await store.createAccount({ address, passwordHash: HASH, quotaBytes });
  const inbox = await store.getMailbox(account.id, 'INBOX');
  if (!inbox) throw new Error('no INBOX');
  return { account, inbox };
}

export function body(text: string, size = 0): Uint8Array {
  const head = `From: a@example.org\r\nSubject: ${text}\r\n\r\n${text}\r\n`;
  return Buffer.from(size > head.length ? head + 'x'.repeat(size - head.length) : head);
}

/**
 * Every record in the database (but the open marker) and every file under
 * blobs/, for before/after comparisons. LevelDB has one opener, so the store is
 * closed for the dump and reopened after.
 */
export async function snapshot(t: TestStore): Promise<{ records: Array<[string, unknown]>; files: string[] }> {
  await t.store.close();
  const db = new ClassicLevel<string, Buffer>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  // records are JSON; the bytes of bodies kept in the database (bdata:) are raw
  const records = (await db.iterator().all())
    .filter(([key]) => key !== OPEN_MARKER_KEY)
    .map(([key, value]): [string, unknown] => [
      key,
      key.startsWith('bdata:') ? value.toString('base64') : JSON.parse(value.toString('utf8')),
    ]);
  await db.close();
  const files: string[] = [];
  const root = path.join(t.dir, 'blobs');
  for (const sub of await readdir(root)) {
    for (const name of await readdir(path.join(root, sub))) files.push(`${sub}/${name}`);
  }
  await t.reopen();
  return { records, files: files.sort() };
}
