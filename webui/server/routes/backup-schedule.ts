// The scheduled backup: its settings, the drives present now, the last result,
// and "back up now". The runs themselves happen in ../backup-schedule.ts.

import type { FastifyInstance } from 'fastify';
import type { BackupScheduler } from '../../../firmware/backup-schedule/index.ts';
import { checkBackupTarget, DEFAULT_TARGET_PATHS, listBackupTargets, NoBackupTarget } from '../../../firmware/backup-schedule/index.ts';
import type { BackupScheduleInput, BackupScheduleState } from '../../api-types.ts';
import type { StoredBackupState } from '../backup-schedule.ts';
import type { RouteContext } from '../context.ts';
import { ApiFailure } from '../errors.ts';

export async function backupScheduleRoutes(app: FastifyInstance, ctx: RouteContext, scheduler: BackupScheduler): Promise<void> {
  const { deps } = ctx;
  const paths = deps.backupTargets ?? DEFAULT_TARGET_PATHS;

  const state = async (stored?: StoredBackupState): Promise<BackupScheduleState> => {
    const { schedule, last, lastOk } = stored ?? ((await ctx.act('backup.schedule.get')) as StoredBackupState);
    const [target, candidates] = await Promise.all([
      schedule ? checkBackupTarget(schedule.target, { paths, dataDir: deps.dataDir, allowSameDisk: deps.dev }) : undefined,
      listBackupTargets(paths),
    ]);
    const nextAt = scheduler.nextDue(schedule, { ...(last ? { last } : {}), ...(lastOk ? { lastOk } : {}) });
    const runningSince = scheduler.runningSince();
    return {
      ...(schedule ? { schedule } : {}),
      ...(target ? { target } : {}),
      candidates,
      ...(last ? { last } : {}),
      ...(lastOk ? { lastOk } : {}),
      ...(nextAt !== undefined ? { nextAt } : {}),
      ...(runningSince !== undefined ? { runningSince } : {}),
    };
  };

  app.get('/api/backup/schedule', async (): Promise<BackupScheduleState> => state());

  app.put<{ Body: BackupScheduleInput }>(
    '/api/backup/schedule',
    {
      schema: {
        body: {
          type: 'object',
          required: ['target'],
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            target: { type: 'string', maxLength: 1024 },
            everyHours: { type: ['integer', 'null'] },
            dailyAt: { type: ['string', 'null'], maxLength: 5 },
            keep: { type: 'integer' },
          },
        },
      },
    },
    async (request): Promise<BackupScheduleState> =>
      state(await ctx.act<StoredBackupState>('backup.schedule.set', { schedule: request.body }, { INVALID_ARGUMENT: 'target' })),
  );

  app.delete(
    '/api/backup/schedule',
    async (): Promise<BackupScheduleState> => state(await ctx.act<StoredBackupState>('backup.schedule.set', { schedule: null })),
  );

  // Starts the run and answers at once: writing a big store to a USB stick takes minutes. Poll GET for the result.
  app.post('/api/backup/schedule/run', async (): Promise<BackupScheduleState> => {
    const stored = await ctx.act<StoredBackupState>('backup.schedule.get');
    if (!stored.schedule) throw new ApiFailure(400, 'BAD_REQUEST', new NoBackupTarget().message, 'target');
    scheduler.runNow(stored.schedule).catch((err: unknown) => deps.log?.warn({ err: String(err) }, 'backup now failed'));
    return state(stored);
  });
}
