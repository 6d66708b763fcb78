// The long press (10 s on the front-panel button): back to first-boot setup.
// Admin credentials and network settings go; mail, accounts, domains, aliases
// and the queue stay. The web UI then asks for a new admin password, proven by
// a button press. Logged with the keys cleared (never their values); what was
// cleared can be brought back with `pochta restore` of an earlier backup, like
// any other setting.

import type { MailStore } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';

/** Settings that are exactly admin access. */
export const ADMIN_ACCESS_KEYS: readonly string[] = ['setup.done'];

/**
 * Whole groups of settings that belong to admin access or the network set-up
 * (the web admin's password hash and sessions, network configuration). A
 * prefix rather than a list so a key the web UI adds later is reset too.
 */
export const ADMIN_ACCESS_PREFIXES: readonly string[] = ['admin.', 'web.', 'webui.', 'session.', 'network.'];

export function isAdminAccessKey(key: string): boolean {
  return ADMIN_ACCESS_KEYS.includes(key) || ADMIN_ACCESS_PREFIXES.some((prefix) => key.startsWith(prefix));
}

export interface ResetResult {
  /** Setting keys removed (now at their defaults: setup.done is false). */
  readonly cleared: readonly string[];
}

/**
 * Reset admin access and network settings to first boot in one store batch.
 * Never touches mail: only settings keys that isAdminAccessKey() names.
 */
export async function resetAdminAccess(store: MailStore, log?: Pick<Logger, 'warn'>): Promise<ResetResult> {
  const stored = await store.listSettings();
  const cleared = [...new Set([...ADMIN_ACCESS_KEYS, ...Object.keys(stored).filter(isAdminAccessKey)])].sort();
  await store.setSettings(Object.fromEntries(cleared.map((key) => [key, undefined])));
  log?.warn({ cleared }, 'admin access and network settings reset to first boot; mail kept (a backup restores the old settings)');
  return { cleared };
}
