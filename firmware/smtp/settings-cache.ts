// Runtime settings as a listener sees them: read once, then refreshed on the
// store's 'settings-changed' events, so each new connection gets the current
// values without a store round trip and an admin's change applies without a
// restart.

import { readSettings, type Settings, watchSettings } from '../config/settings.ts';
import type { MailStore } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';

export interface SettingsCache {
  /** The current settings (the first call reads them from the store). */
  get(): Promise<Settings>;
  /** Called after every refresh with the new settings. */
  onChange(listener: (settings: Settings) => void): void;
  /** Stop following changes. */
  close(): void;
}

export function createSettingsCache(store: Pick<MailStore, 'listSettings' | 'subscribe'>, dev: boolean, log?: Logger): SettingsCache {
  const mode = { dev };
  let current: Promise<Settings> | undefined;
  const listeners: Array<(s: Settings) => void> = [];
  const unsubscribe = watchSettings(
    store,
    mode,
    (settings, keys) => {
      current = Promise.resolve(settings);
      log?.info({ keys }, 'settings changed');
      for (const l of listeners) l(settings);
    },
    (err) => log?.warn({ err: String(err) }, 'settings refresh failed; keeping the previous values'),
  );
  return {
    get() {
      if (!current) {
        const reading = readSettings(store, mode);
        current = reading;
        // A failed first read is retried by the next caller rather than cached.
        reading.catch(() => {
          if (current === reading) current = undefined;
        });
      }
      return current;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    close: unsubscribe,
  };
}
