// The runtime settings the queue runner uses, re-read before every pass so a
// change made in the web UI or with `pochta settings` applies without a
// restart. Their names, types, defaults and validation live in
// config/settings.ts; this only turns them into the runner's terms.

import { readSettings, type Settings, type SettingsMode, type Smarthost } from '../../config/settings.ts';
import type { MailStore } from '../../store/types.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';

export type { Smarthost };

export interface OutboundSettings {
  /** When set, every message goes there instead of to the recipients' MX hosts. */
  readonly smarthost?: Smarthost;
  readonly policy: RetryPolicy;
  /** host:port strings for the resolver; empty = the system's. */
  readonly dnsServers: readonly string[];
}

const HOUR = 3_600_000;

/** The runner's view of the runtime settings. */
export function outboundSettings(settings: Settings): OutboundSettings {
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    lifetimeMs: settings['queue.lifetimeHours'] * HOUR,
    delayNoticeMs: settings['queue.delayNoticeHours'] * HOUR,
  };
  const smarthost = settings['relay.smarthost'];
  const base = { policy, dnsServers: settings['dns.servers'] };
  return smarthost === null ? base : { ...base, smarthost };
}

/** Read the settings from the store (defaults for unset keys). */
export async function readOutboundSettings(store: Pick<MailStore, 'listSettings'>, mode: SettingsMode): Promise<OutboundSettings> {
  return outboundSettings(await readSettings(store, mode));
}
