// Update from the web UI. The web listener runs unprivileged, so it only hands
// the bundle over: it stores the upload in <data>/update/incoming/ and writes
// <data>/update/request.json; on the box a systemd path unit sees that file and
// runs `pochta update --request <data>/update` as root, which verifies the
// signature, installs, restarts, checks health, rolls back by itself on
// failure, and reports in <data>/update/status.json, which this page shows.
// Every file is written under a temporary name and renamed, so the root side
// never reads half a file.

import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { BUNDLE_MAGIC } from '../../../firmware/update/index.ts';
import type { UpdateState, UpdateStatusView } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';

export const DEFAULT_UPDATE_MAX_BYTES = 512 * 1024 ** 2;
const STATES = new Set(['waiting', 'running', 'installed', 'rolled-back', 'failed']);

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function readStatus(value: unknown): UpdateStatusView | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['state'] !== 'string' || !STATES.has(v['state'])) return undefined;
  const text = (key: string) => (typeof v[key] === 'string' ? { [key]: v[key] as string } : {});
  return {
    state: v['state'] as UpdateStatusView['state'],
    message: typeof v['message'] === 'string' ? v['message'] : '',
    ...text('bundle'),
    ...text('version'),
    ...text('startedAt'),
    ...text('finishedAt'),
  };
}

/** 20261127T221500123Z: unique per upload, sorts by time. */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:.]/g, '');

/** Write `data` to `path` through a synced temporary file and a rename. */
async function writeAtomic(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export async function updateRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { deps } = ctx;
  const dir = deps.update?.dir ?? join(deps.dataDir, 'update');
  const incoming = join(dir, 'incoming');
  const maxBytes = deps.update?.maxBytes ?? DEFAULT_UPDATE_MAX_BYTES;

  const state = async (): Promise<UpdateState> => {
    const [status, request, version] = await Promise.all([
      readJson(join(dir, 'status.json')).then(readStatus),
      readJson(join(dir, 'request.json')),
      ctx.act<{ version: string }>('status').then((s) => s.version),
    ]);
    const r = request as { bundle?: unknown; requestedAt?: unknown } | undefined;
    return {
      version,
      installer: deps.dev ? 'absent' : 'systemd',
      ...(r && typeof r.bundle === 'string' && typeof r.requestedAt === 'string'
        ? { request: { bundle: r.bundle, requestedAt: r.requestedAt } }
        : {}),
      ...(status ? { status } : {}),
      maxBytes,
    };
  };

  app.get('/api/update', async (): Promise<UpdateState> => state());

  app.register(async (scope) => {
    // The bundle is streamed to disk, never held in memory.
    scope.addContentTypeParser('application/octet-stream', { bodyLimit: maxBytes }, (_request, payload, done) => done(null, payload));
    scope.post('/api/update', { bodyLimit: maxBytes }, async (request, reply): Promise<UpdateState> => {
      if (request.headers['x-pochta-confirm'] !== 'update') {
        throw new ApiFailure(400, 'BAD_REQUEST', 'Confirm the update: the box restarts to install it.', 'confirm');
      }
      if (!request.headers['content-type']?.startsWith('application/octet-stream')) {
        throw new ApiFailure(400, 'BAD_REQUEST', 'Upload the .bundle file of a Pochta release.', 'file');
      }
      const current = await state();
      if (current.status && (current.status.state === 'waiting' || current.status.state === 'running')) {
        throw new ApiFailure(409, 'UPDATE_IN_PROGRESS', 'An update is being installed now; wait until it has finished.', 'file');
      }
      await mkdir(incoming, { recursive: true, mode: 0o755 });
      const name = `${stamp(deps.now())}.bundle`;
      const final = join(incoming, name);
      const temp = join(incoming, `.${name}.partial`);
      const tooBig = () => new ApiFailure(413, 'PAYLOAD_TOO_LARGE', `An update bundle is at most ${maxBytes} bytes.`, 'file');
      if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw tooBig();
      let seen = 0;
      let head = Buffer.alloc(0);
      // Past the limit the rest is read and dropped, not cut off: a reset connection would hide the 413 from the browser.
      const limit = new Transform({
        transform(chunk: Buffer, _enc, next) {
          seen += chunk.length;
          if (head.length < BUNDLE_MAGIC.length + 1) head = Buffer.concat([head, chunk]).subarray(0, BUNDLE_MAGIC.length + 1);
          next(null, seen > maxBytes ? undefined : chunk);
        },
      });
      const file = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
      try {
        await pipeline(request.body as NodeJS.ReadableStream, limit, file);
        if (seen > maxBytes) throw tooBig();
        if (head.toString('latin1') !== `${BUNDLE_MAGIC}\n`) {
          throw new ApiFailure(400, 'INVALID_ARGUMENT', 'This is not a Pochta update bundle (a .bundle file of a release).', 'file');
        }
        const handle = await open(temp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, final);
      } catch (err) {
        // An upload cut short or refused leaves nothing behind.
        await rm(temp, { force: true });
        throw err;
      }
      // Older uploads are dead weight on the SD card; the one the installer last named stays.
      const keep = new Set([name, ...(current.status?.bundle ? [current.status.bundle.split('/').pop()] : [])]);
      for (const old of await readdir(incoming)) {
        if (old.endsWith('.bundle') && !keep.has(old)) await rm(join(incoming, old), { force: true });
      }
      await writeAtomic(
        join(dir, 'request.json'),
        // By its real absolute path: the root side runs elsewhere and checks the bundle is inside incoming/ by realpath.
        `${JSON.stringify({ bundle: join(await realpath(incoming), name), requestedAt: new Date(deps.now()).toISOString() })}\n`,
      );
      deps.log?.warn({ bundle: final, bytes: seen }, 'an update was uploaded from the web UI');
      reply.code(202);
      return state();
    });
  });
}
