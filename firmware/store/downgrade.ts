// Taking the data back to an older schema, for an update that is rolled back:
// the firmware before cannot open data of a newer schema (it refuses, as it
// should), so before it starts again, this firmware — which knows both —
// converts the data down. Only with the daemon stopped (one opener).

import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { SCHEMA_KEY } from './keys.ts';
import { downgrade, MIGRATIONS } from './migrations.ts';
import { openStore } from './open.ts';

/** The newest schema this firmware writes (and the newest it can open). */
export const STORE_SCHEMA = MIGRATIONS.length;

/** The schema version the data in `dir` is at; undefined for a store never opened. */
export async function storedSchema(dir: string): Promise<number | undefined> {
  const db = new ClassicLevel<string, unknown>(path.join(dir, 'db'), {
    keyEncoding: 'utf8',
    valueEncoding: 'json',
    createIfMissing: false,
  });
  try {
    await db.open();
  } catch {
    return undefined;
  }
  try {
    const value = await db.get(SCHEMA_KEY);
    return typeof value === 'number' ? value : undefined;
  } finally {
    await db.close();
  }
}

/**
 * Convert the store in `dir` to schema `target`. First it is opened as usual
 * (recovery after a crash included) and every body still kept in the database
 * is moved to its file, since older schemas know only files; then each
 * migration's down step runs, newest first.
 */
export async function downgradeStore(dir: string, target: number): Promise<{ from: number; to: number }> {
  const store = await openStore({ dir });
  try {
    await store.moveBodies();
  } finally {
    await store.close();
  }
  const db = new ClassicLevel<string, unknown>(path.join(dir, 'db'), {
    keyEncoding: 'utf8',
    valueEncoding: 'json',
    createIfMissing: false,
  });
  await db.open();
  try {
    return await downgrade(db, target);
  } finally {
    await db.close();
  }
}
