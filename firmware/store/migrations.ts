// Schema versions. The version lives at meta:schema; each migration moves the
// data one version up in one synchronous batch that also bumps the version, so
// a crash mid-way leaves either the old or the new version, never a mixture.
// A store written by a newer firmware refuses to open (SCHEMA_TOO_NEW) rather
// than guess at records it does not know.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { PochtaError } from '../errors.ts';
import { encodeHead, headFromPrefix, MIGRATION_PREFIX } from './body-head.ts';
import type { WriteOp } from './commit-queue.ts';
import { keys, SCHEMA_KEY } from './keys.ts';
import { joinBodyInfo, signatureOf } from './search-index.ts';
import type { BodyInfo } from './types.ts';

export interface Migration {
  /** The version this migration produces; versions are consecutive from 1. */
  readonly version: number;
  readonly description: string;
  /** The writes that take the data from version - 1 to version (the version bump is added). */
  up(db: ClassicLevel<string, unknown>, context: MigrationContext): Promise<WriteOp[]>;
  /**
   * The writes that take the data back from version to version - 1, so the
   * firmware before can open it again (an update rolled back). Absent: there
   * is no way back below this version. May refuse (throw) when the data is
   * not in a state it can convert; the caller prepares it (downgrade.ts).
   */
  down?(db: ClassicLevel<string, unknown>): Promise<WriteOp[]>;
}

/** What a migration may need beyond the database. */
export interface MigrationContext {
  /** The file of a body (blob-files.ts layout). */
  readonly blobPath: (hash: string) => string;
  /** The store's analyzer, when it has one (without it, bodies get no header record: FETCH reads their blobs). */
  readonly analyze?: ((body: Uint8Array) => BodyInfo) | undefined;
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
  {
    version: 4,
    description: 'an interim header record, built from the first blank line (for a few minutes of 2026-11-27): replaced by 5',
    up: async () => [],
  },
  {
    version: 5,
    description: 'top-level header bytes of every body (bhead:<sha256>) as the analyzer delimits them, so a header FETCH opens no file',
    up: async (db, context) => {
      const ops: WriteOp[] = [];
      // records of version 4 found the header end by another rule: never trusted
      for await (const key of db.keys(keys.bodyHeads())) ops.push({ type: 'del', key });
      const analyze = context.analyze;
      if (analyze === undefined) return ops;
      const buffer = Buffer.alloc(MIGRATION_PREFIX);
      for await (const [key, record] of db.iterator(keys.blobs())) {
        const hash = keys.blobOf(key);
        const size = (record as { size?: unknown }).size;
        const start = (await readInlineStart(db, hash)) ?? (await readStart(context.blobPath(hash), buffer));
        // a missing file is fsck's business; a header the prefix cannot settle is read from the file as before
        if (start === undefined || typeof size !== 'number') continue;
        let head: Uint8Array | undefined;
        try {
          head = headFromPrefix(analyze(start).head, start.length, size);
        } catch {
          head = undefined;
        }
        if (head !== undefined) ops.push({ type: 'put', key: keys.bodyHead(hash), value: encodeHead(head) });
      }
      return ops;
    },
  },
  {
    version: 6,
    description:
      'bodies up to 64 KiB kept in the database (bdata:<sha256>, raw bytes; blob records say inline): firmware that knows only files must not open it',
    up: async () => [],
    // Version 5 knows bodies only as files: every body must have moved to its
    // file first (downgrade.ts drains the mover); the inline flags go.
    down: async (db) => {
      for await (const key of db.keys({ ...keys.bodyDatas(), limit: 1 })) {
        throw new PochtaError('STORAGE_FAILURE', `a body is still kept in the database (${key}); move the bodies to their files first`);
      }
      const ops: WriteOp[] = [];
      for await (const [key, record] of db.iterator(keys.blobs())) {
        const { inline, ...rest } = record as { inline?: boolean };
        if (inline !== undefined) ops.push({ type: 'put', key, value: rest });
      }
      return ops;
    },
  },
];

/** The first MIGRATION_PREFIX bytes of a body kept in the database (schema 6 on), or undefined. */
async function readInlineStart(db: ClassicLevel<string, unknown>, hash: string): Promise<Uint8Array | undefined> {
  const bytes = (await db.get(keys.bodyData(hash), { valueEncoding: 'view' })) as Uint8Array | undefined;
  return bytes?.subarray(0, MIGRATION_PREFIX);
}

/** The first buffer.length bytes of a file (fewer if shorter), or undefined when it is missing. */
async function readStart(file: string, buffer: Buffer): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The default context: blobs beside the database directory, as openStore lays them out. */
function defaultContext(db: ClassicLevel<string, unknown>): MigrationContext {
  const root = path.join(path.dirname(db.location), 'blobs');
  return { blobPath: (hash) => path.join(root, hash.slice(0, 2), hash) };
}

/**
 * Take the database back to schema `target` with the migrations' down steps,
 * newest first, each in one synchronous batch with its version. Refuses
 * (INVALID_ARGUMENT) when a step on the way has no down, or the target is not
 * below the stored version; returns the versions passed.
 */
export async function downgrade(
  db: ClassicLevel<string, unknown>,
  target: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ from: number; to: number }> {
  const stored = await db.get(SCHEMA_KEY);
  if (typeof stored !== 'number') throw new PochtaError('STORAGE_FAILURE', 'the database has no schema version');
  if (!Number.isInteger(target) || target < 1 || target > stored) {
    throw new PochtaError('INVALID_ARGUMENT', `cannot go to schema ${target} from schema ${stored}`);
  }
  if (stored > migrations.length)
    throw new PochtaError('SCHEMA_TOO_NEW', `data is schema version ${stored}; this firmware knows up to ${migrations.length}`);
  const steps = migrations.slice(target, stored).reverse();
  const missing = steps.find((m) => m.down === undefined);
  if (missing) throw new PochtaError('INVALID_ARGUMENT', `schema ${missing.version} has no way back to ${missing.version - 1}`);
  for (const migration of steps) {
    const ops = await migration.down!(db);
    await db.batch([...ops, { type: 'put', key: SCHEMA_KEY, value: migration.version - 1 }], { sync: true });
  }
  return { from: stored, to: target };
}

/** Bring the database to the newest version of `migrations`; returns the versions passed. */
export async function migrate(
  db: ClassicLevel<string, unknown>,
  migrations: readonly Migration[] = MIGRATIONS,
  context: MigrationContext = defaultContext(db),
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
    const ops = await migration.up(db, context);
    await db.batch([...ops, { type: 'put', key: SCHEMA_KEY, value: migration.version }], { sync: true });
  }
  return { from: stored, to: latest };
}
