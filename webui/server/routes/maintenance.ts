// TLS certificate, SSH access, backup download and staged restore.

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import {
  cancelStagedRestore,
  checkBackupTar,
  markStaged,
  readStagedRestore,
  stagedRestorePaths,
} from '../../../firmware/admin/staged-restore.ts';
import { tarDirectory } from '../../../firmware/admin/tar.ts';
import type { RestoreState, SshState, TlsInfo } from '../../api-types.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure, toApiError } from '../errors.ts';
import { readSshState, updateSsh } from '../ssh-keys.ts';
import { checkUpload, readCertificateInfo, regenerateSelfSigned, writeTlsFiles } from '../tls-files.ts';

const PEM_MAX = 64 * 1024;
/** A backup upload may be as big as the mailboxes; the disk is the limit. */
const RESTORE_MAX = 64 * 1024 ** 3;

export async function maintenanceRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { deps } = ctx;

  // ---- TLS
  app.get('/api/tls', async (): Promise<TlsInfo> => readCertificateInfo(deps.tls, deps.now()));

  app.put<{ Body: { certPem: string; keyPem: string } }>(
    '/api/tls',
    {
      schema: {
        body: {
          type: 'object',
          required: ['certPem', 'keyPem'],
          properties: {
            certPem: { type: 'string', minLength: 1, maxLength: PEM_MAX },
            keyPem: { type: 'string', minLength: 1, maxLength: PEM_MAX },
          },
        },
      },
    },
    async (request): Promise<TlsInfo> => {
      checkUpload(request.body.certPem, request.body.keyPem, deps.now());
      await writeTlsFiles(deps.tls, request.body.certPem, request.body.keyPem);
      await deps.onTlsChanged?.();
      deps.log?.info('TLS certificate replaced from the web UI');
      return readCertificateInfo(deps.tls, deps.now());
    },
  );

  app.post('/api/tls/regenerate', async (): Promise<TlsInfo> => {
    const state = await ctx.box.get();
    await regenerateSelfSigned(deps.tls, state.hostname, deps.openssl);
    await deps.onTlsChanged?.();
    deps.log?.info('new self-signed TLS certificate made from the web UI');
    return readCertificateInfo(deps.tls, deps.now());
  });

  // ---- SSH
  app.get('/api/ssh', async (): Promise<SshState> => readSshState(deps.ssh));

  app.put<{ Body: { enabled?: boolean; keys?: string[] } }>(
    '/api/ssh',
    {
      schema: {
        body: {
          type: 'object',
          properties: { enabled: { type: 'boolean' }, keys: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 16384 } } },
        },
      },
    },
    async (request): Promise<SshState> => updateSsh(deps.ssh, request.body),
  );

  // ---- backup: a consistent snapshot (the store's backup, hard links for bodies), streamed as tar.
  app.get('/api/backup', async (request, reply) => {
    const work = join(deps.dataDir, 'web-tmp');
    await mkdir(work, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(work, 'backup-'));
    const snapshot = join(dir, 'snapshot');
    try {
      await ctx.act('backup', { dir: snapshot });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const state = await ctx.box.get();
    const date = new Date(deps.now()).toISOString().slice(0, 10);
    const stream = tarDirectory(snapshot);
    const cleanup = () => void rm(dir, { recursive: true, force: true });
    stream.once('close', cleanup);
    request.raw.once('close', () => stream.destroy());
    reply
      .header('content-type', 'application/x-tar')
      .header('content-disposition', `attachment; filename="pochta-backup-${state.hostname}-${date}.tar"`);
    return reply.send(stream);
  });

  // ---- restore: staged; applied when the daemon next starts.
  const restoreState = async (): Promise<RestoreState> => {
    const staged = await readStagedRestore(deps.dataDir);
    return staged
      ? { staged: true, stagedAt: staged.stagedAt, bytes: staged.bytes, appliesAt: 'next-start' }
      : { staged: false, appliesAt: 'next-start' };
  };

  app.get('/api/restore', async (): Promise<RestoreState> => restoreState());

  app.register(async (scope) => {
    // The tar is streamed to disk, never held in memory.
    scope.addContentTypeParser('application/x-tar', { bodyLimit: RESTORE_MAX }, (_request, payload, done) => done(null, payload));
    scope.post('/api/restore', { bodyLimit: RESTORE_MAX }, async (request): Promise<RestoreState> => {
      if (request.headers['x-pochta-confirm'] !== 'restore') {
        throw new ApiFailure(400, 'BAD_REQUEST', 'Confirm the restore: it replaces all mail and settings at the next start.', 'confirm');
      }
      if (!request.headers['content-type']?.startsWith('application/x-tar')) {
        throw new ApiFailure(400, 'BAD_REQUEST', 'Upload the .tar file a backup download gave you.', 'file');
      }
      const paths = stagedRestorePaths(deps.dataDir);
      await mkdir(paths.dir, { recursive: true, mode: 0o700 });
      const upload = join(paths.dir, 'upload.tar');
      try {
        await pipeline(request.body as NodeJS.ReadableStream, createWriteStream(upload, { mode: 0o600 }));
      } catch (err) {
        // An upload cut short leaves nothing behind.
        await rm(upload, { force: true });
        throw err;
      }
      try {
        await checkBackupTar(upload);
      } catch (err) {
        await rm(upload, { force: true });
        const mapped = toApiError(err, { INVALID_ARGUMENT: 'file' });
        throw new ApiFailure(400, mapped.body.error.code, mapped.body.error.message, mapped.body.error.field ?? 'file');
      }
      await rename(upload, paths.tar);
      await markStaged(deps.dataDir, { stagedAt: deps.now(), bytes: (await stat(paths.tar)).size });
      deps.log?.warn('a restore was uploaded; it replaces the data at the next start');
      return restoreState();
    });
  });

  app.delete('/api/restore', async (): Promise<RestoreState> => {
    await cancelStagedRestore(deps.dataDir);
    return restoreState();
  });
}
