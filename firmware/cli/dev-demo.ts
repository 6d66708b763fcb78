// Dev mode's welcome: a demo domain and a first user on the first start, so a
// newcomer can log in at once. The password is random and shown once on the
// console, never logged and never a default.

import { randomBytes } from 'node:crypto';
import { type AdminDeps, runAdminAction } from '../admin/actions.ts';

export const DEMO_DOMAIN = 'pochta.test';
export const DEMO_USER = `admin@${DEMO_DOMAIN}`;

export interface DemoResult {
  readonly address: string;
  /** Only on the start that created the account. */
  readonly password?: string;
}

/** Create the demo domain and user on an empty store; report the existing one on later starts. */
export async function ensureDevDemo(deps: AdminDeps): Promise<DemoResult | undefined> {
  if (await deps.store.findAccount(DEMO_USER)) return { address: DEMO_USER };
  const stats = await deps.store.stats();
  // Someone set this data dir up by hand: leave it alone.
  if (stats.domains > 0 || stats.accounts > 0) return undefined;
  await runAdminAction(deps, 'domain.add', { name: DEMO_DOMAIN });
  const password = randomBytes(12).toString('base64url');
  await runAdminAction(deps, 'user.add', { address: DEMO_USER, password, displayName: 'Pochta admin' });
  return { address: DEMO_USER, password };
}
