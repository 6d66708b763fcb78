// Schema versions. The version lives at meta:schema; each migration moves the
// data one version up in one synchronous batch that also bumps the version, so
// a crash mid-way leaves either the old or the new version, never a mixture.
// A store written by a newer firmware refuses to open (SCHEMA_TOO_NEW) rather
// than guess at records it does not know.
import type { ClassicLevel } from 'classic-level';
import { PochtaError } from '../errors.ts';
import type { WriteOp } from './commit-queue.ts';
import { keys, SCHEMA_KEY } from './keys.ts';
import { joinBodyInfo, signatureOf } from './search-index.ts';
import type { BodyInfo } from './types.ts';

export interface Migration {
  /** The version this migration produces; versions are consecutive from 1. */
  readonly version: number;
  readonly description: string;
  /** The writes that take the data from version - 1 to version (the version bump is added). */
  up(db: ClassicLevel<string, unknown>): Promise<WriteOp[]>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial layout (see keys.ts)',
    up: async () => [],
  },
  {
    version: 2,
    description: 'search index: a trigram signature (sidx:<sha256>) for every body, from its BodyInfo text',
    up: async (db) => {
      const ops: WriteOp[] = [];
      for await (const key of db.keys(keys.blobs())) {
        const hash = keys.blobOf(key);
        // a version-1 BodyInfo holds its text; joined with btext in case it was already split
        const info = (await db.get(keys.bodyInfo(hash))) as BodyInfo | undefined;
        const text = (await db.get(keys.bodyText(hash))) as string | undefined;
        ops.push({ type: 'put', key: keys.searchSignature(hash), value: signatureOf(joinBodyInfo(info, text)) });
      }
      return ops;
    },
  },
  {
    version: 3,
    description: 'BodyInfo text apart (btext:<sha256>), so reading a structure does not parse the search text',
    up: async (db) => {
      const ops: WriteOp[] = [];
      for await (const [key, value] of db.iterator(keys.bodyInfos())) {
        const info = value as BodyInfo;
        if (info.text === undefined) continue;
        const { text, ...rest } = info;
        ops.push({ type: 'put', key, value: rest }, { type: 'put', key: keys.bodyText(keys.bodyInfoOf(key)), value: text });
      }
      return ops;
    },
  },
];

/** Bring the database to the newest version of `migrations`; returns the versions passed. */
export async function migrate(
  db: ClassicLevel<string, unknown>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ from: number; to: number }> {
  const latest = migrations.length;
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`migration ${i} has version ${migration.version}, expected ${i + 1}`);
  });
  const stored = await db.get(SCHEMA_KEY);
  if (stored === undefined) {
    // A brand-new database starts at the newest layout; nothing to convert.
    for await (const _key of db.keys({ limit: 1 })) {
      throw new PochtaError('STORAGE_FAILURE', 'database has records but no schema version');
    }
    await db.put(SCHEMA_KEY, latest, { sync: true });
    return { from: latest, to: latest };
  }
  if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1) {
    throw new PochtaError('STORAGE_FAILURE', `bad schema version ${JSON.stringify(stored)}`);
  }
  if (stored > latest) {
    throw new PochtaError('SCHEMA_TOO_NEW', `data is schema version ${stored}; this firmware knows up to ${latest}`);
  }
  for (const migration of migrations.slice(stored)) {
    const ops = await migration.up(db);
    await db.batch([...ops, { type: 'put', key: SCHEMA_KEY, value: migration.version }], { sync: true });
  }
  return { from: stored, to: latest };
}
