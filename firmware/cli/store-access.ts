// The CLI's way to the data when no daemon runs: open the store directly (the
// store's lock keeps a daemon from starting meanwhile), run the same admin
// action, close. And restore, which only ever works this way.

import { resolve } from 'node:path';
import { type AdminDeps, runAdminAction } from '../admin/actions.ts';
import { storeAddresses, storePasswords } from '../admin/store-tools.ts';
import type { Config } from '../config/bootstrap.ts';
import { isPochtaError, PochtaError } from '../errors.ts';
import { openStore, restoreBackup } from '../store/index.ts';

export async function runOffline(config: Config, version: string, action: string, params: Record<string, unknown>): Promise<unknown> {
  const store = await openStore({ dir: config.dataDir });
  try {
    const deps: AdminDeps = { store, config, passwords: storePasswords, addresses: storeAddresses, version, now: Date.now };
    return await runAdminAction(deps, action, params);
  } finally {
    await store.close();
  }
}

export async function restoreInto(config: Config, backupDir: string, cwd: string): Promise<{ from: string; into: string }> {
  const from = resolve(cwd, backupDir);
  try {
    await restoreBackup(from, config.dataDir);
  } catch (err) {
    if (isPochtaError(err, 'INVALID_ARGUMENT') && /not empty/.test(err.detail)) {
      // Never restore over live data: the admin moves it aside, so nothing is lost by a typo.
      throw new PochtaError(
        'INVALID_ARGUMENT',
        `${err.detail}; move it aside first (mv ${config.dataDir} ${config.dataDir}.old) or restore into another --data DIR`,
      );
    }
    throw err;
  }
  return { from, into: config.dataDir };
}
