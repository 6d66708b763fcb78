// A real store in a temp dir with a small directory: one local domain, two
// users, a list alias, and an alias that also forwards off-box.

import { join } from 'node:path';
import { hashPassword, type OpenStoreOptions, openStore } from '../../../firmware/store/index.ts';
import type { MailStore } from '../../../firmware/store/types.ts';

export const PASSWORD = 'correct horse battery staple';

export interface TestDirectory {
  readonly store: MailStore;
  readonly alice: string;
  readonly bob: string;
  close(): Promise<void>;
}

export async function openTestStore(
  dir: string,
  options: Omit<OpenStoreOptions, 'dir'> = {},
  { fresh = true }: { fresh?: boolean } = {},
): Promise<TestDirectory> {
  const store = await openStore({ ...options, dir: join(dir, 'store') });
  if (!fresh) {
    // A store made earlier by openTestStore: find the same accounts again.
    const alice = await store.findAccount('alice@example.test');
    const bob = await store.findAccount('bob@example.test');
    if (!alice || !bob) throw new Error('not a test directory');
    return { store, alice: alice.id, bob: bob.id, close: () => store.close() };
  }
  await store.addDomain('example.test');
  const hash = await hashPassword(PASSWORD);
  const alice = await store.createAccount({ address: 'alice@example.test', passwordHash: hash });
  const bob = await store.createAccount({ address: 'bob@example.test', passwordHash: hash });
  await store.setAlias('team@example.test', ['alice@example.test', 'bob@example.test']);
  await store.setAlias('fwd@example.test', ['alice@example.test', 'someone@remote.test']);
  return { store, alice: alice.id, bob: bob.id, close: () => store.close() };
}

/** The messages of an account's mailbox (INBOX by default) with their bodies as text. */
export async function inbox(store: MailStore, accountId: string, mailbox = 'INBOX'): Promise<Array<{ blobId: string; text: string }>> {
  const box = await store.getMailbox(accountId, mailbox);
  if (!box) return [];
  const out: Array<{ blobId: string; text: string }> = [];
  for (const m of await store.listMessages(box.id)) {
    const body = await store.readBody(m.blobId);
    out.push({ blobId: m.blobId, text: Buffer.from(body ?? new Uint8Array()).toString('utf8') });
  }
  return out;
}
