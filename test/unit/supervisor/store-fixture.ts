// A real store on disk in a fresh temp dir for each test, removed afterwards.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../firmware/store/index.ts';
import type { MailStore } from '../../../firmware/store/types.ts';

export interface TestStore {
  readonly store: MailStore;
  /** The data dir (the store keeps db/ and blobs/ in it). */
  readonly dir: string;
  readonly blobDir: string;
  /** Close the store (if still open) and delete the directory. */
  cleanup(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), 'pochta-supervisor-'));
  const store = await openStore({ dir });
  return {
    store,
    dir,
    blobDir: join(dir, 'blobs'),
    async cleanup() {
      await store.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
