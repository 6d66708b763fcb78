// Reading and saving the box's runtime settings (GET/PATCH /api/settings),
// shared by the relay, blocklist and limits pages.

import type { SettingView } from '../../api-types.ts';
import { type Loaded, useApi, useLoad } from './ui.tsx';

export interface SettingsHandle {
  readonly loaded: Loaded<SettingView[]>;
  /** The current value of `key` (undefined until loaded). */
  value<T>(key: string): T | undefined;
  /** Save some keys (null = back to the default); rejects with ApiFailure whose field is the key. */
  save(values: Readonly<Record<string, unknown>>): Promise<void>;
}

export function useSettings(): SettingsHandle {
  const api = useApi();
  const loaded = useLoad<SettingView[]>('/api/settings');
  return {
    loaded,
    value<T>(key: string) {
      return loaded.data?.find((s) => s.key === key)?.value as T | undefined;
    },
    async save(values) {
      loaded.set(await api.send<SettingView[]>('PATCH', '/api/settings', { values }));
    },
  };
}

/** One entry per line (or comma) from a textarea. */
export function lines(text: string): string[] {
  return text
    .split(/[\n,]+/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A number if the text is one, else the text (the box also takes sizes such as "25M"). */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}
