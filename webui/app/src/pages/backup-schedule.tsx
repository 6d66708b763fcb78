// Scheduled backup to a USB drive or a network share: which drives are
// plugged in now, whether the chosen folder is there ("not present" said
// plainly when the drive is gone), the last result, and "back up now".

import { useEffect, useState } from 'preact/hooks';
import type { BackupScheduleInput, BackupScheduleState, BackupScheduleView } from '../../../api-types.ts';
import { Badge, Card, confirmed, Field, FormStatus, formatBytes, formatTime, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';

function describe(s: BackupScheduleView): string {
  const when = s.everyHours !== undefined ? `every ${s.everyHours === 1 ? 'hour' : `${s.everyHours} hours`}` : `every day at ${s.dailyAt}`;
  return `${when}, keeping the newest ${s.keep}`;
}

export function ScheduleCard() {
  const api = useApi();
  const loaded = useLoad<BackupScheduleState>('/api/backup/schedule');
  const runForm = useForm('bnow');
  const running = loaded.data?.runningSince !== undefined;
  const { reload } = loaded;
  // While a backup is written, look again every 2 seconds for its result.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [running]);

  const runNow = () =>
    void runForm.run(async () => {
      loaded.set(await api.send<BackupScheduleState>('POST', '/api/backup/schedule/run'));
      return 'The backup has started; its result appears here when it is written.';
    });

  return (
    <Card
      title="Scheduled backup to a USB drive or network share"
      actions={
        <button type="button" class="secondary small" onClick={reload} disabled={loaded.loading}>
          Check again
        </button>
      }
    >
      <Loading loaded={loaded}>
        {(state) => (
          <div class="stack">
            {state.schedule ? (
              <div class="stack" data-testid="schedule-status">
                <p>
                  Backs up to <code>{state.schedule.target}</code> {describe(state.schedule)}.
                  {state.schedule.enabled ? '' : ' The schedule is switched off.'}
                </p>
                {state.target?.present ? (
                  <p class="row">
                    <Badge kind="ok">Drive present</Badge>
                    <span class="small">
                      {state.target.drive ? `${state.target.drive.device} (${state.target.drive.fsType})` : ''}
                      {state.target.freeBytes !== undefined ? `, ${formatBytes(state.target.freeBytes)} free` : ''}
                      {state.target.reason ? `. ${state.target.reason}` : ''}
                    </span>
                  </p>
                ) : (
                  <p class="notice bad" role="status" data-testid="target-missing">
                    {state.target?.reason ?? 'Not present.'}
                  </p>
                )}
                <LastRuns state={state} />
                <FormStatus form={runForm} />
                <button type="button" onClick={runNow} disabled={running || runForm.busy} data-testid="backup-now">
                  {running ? 'Backing up…' : 'Back up now'}
                </button>
              </div>
            ) : (
              <p class="muted">No scheduled backup yet. Choose a folder below.</p>
            )}
            <ScheduleForm state={state} onSaved={loaded.set} />
          </div>
        )}
      </Loading>
    </Card>
  );
}

function LastRuns({ state }: { readonly state: BackupScheduleState }) {
  const { last, lastOk, runningSince, nextAt } = state;
  return (
    <>
      {runningSince !== undefined ? (
        <p class="notice warn" role="status">
          A backup is being written now (started {formatTime(runningSince)}).
        </p>
      ) : null}
      {last && !last.ok ? (
        <p class="notice bad" role="status" data-testid="last-failed">
          The last backup ({formatTime(last.startedAt)}) failed: {last.error}
        </p>
      ) : null}
      {lastOk ? (
        <p data-testid="last-ok">
          Last good backup: {formatTime(lastOk.finishedAt)}, {formatBytes(lastOk.bytes ?? 0)}
          {lastOk.file ? (
            <>
              {' '}
              in <code>{lastOk.file}</code>
            </>
          ) : null}
          .
        </p>
      ) : (
        <p class="muted">No backup has been written to the drive yet.</p>
      )}
      {nextAt !== undefined && state.schedule?.enabled ? (
        <p class="small">Next backup: {nextAt <= Date.now() ? 'within a minute' : formatTime(nextAt)}.</p>
      ) : null}
    </>
  );
}

function ScheduleForm({ state, onSaved }: { readonly state: BackupScheduleState; readonly onSaved: (s: BackupScheduleState) => void }) {
  const api = useApi();
  const form = useForm('bsched', ['target', 'everyHours', 'dailyAt', 'keep']);
  const s = state.schedule;
  const [target, setTarget] = useState(s?.target ?? '');
  const [how, setHow] = useState<'daily' | 'hours'>(s?.everyHours !== undefined ? 'hours' : 'daily');
  const [hours, setHours] = useState(String(s?.everyHours ?? 6));
  const [dailyAt, setDailyAt] = useState(s?.dailyAt ?? '02:30');
  const [keep, setKeep] = useState(String(s?.keep ?? 7));
  const [enabled, setEnabled] = useState(s?.enabled ?? true);

  const save = (e: Event) => {
    e.preventDefault();
    if (target.trim() === '') return form.fail({ target: 'Choose a drive above, or type the folder to back up to.' });
    const body: BackupScheduleInput = {
      target: target.trim(),
      enabled,
      keep: Number(keep),
      ...(how === 'hours' ? { everyHours: Number(hours) } : { dailyAt: dailyAt.trim() }),
    };
    void form.run(async () => {
      onSaved(await api.send<BackupScheduleState>('PUT', '/api/backup/schedule', body));
      return 'Schedule saved.';
    });
  };
  const remove = () => {
    if (!confirmed('Stop backing up to the drive? Backups already on it stay there.')) return;
    void form.run(async () => {
      onSaved(await api.send<BackupScheduleState>('DELETE', '/api/backup/schedule'));
      setTarget('');
      return 'The scheduled backup is removed.';
    });
  };

  return (
    <form class="stack" onSubmit={save} noValidate>
      <h3>{s ? 'Change the schedule' : 'Set up a scheduled backup'}</h3>
      {state.candidates.length === 0 ? (
        <p class="muted" data-testid="no-drives">
          No USB drive or network share is connected now. Plug one in, then press "Check again". You can also type the folder of a share
          your IT contractor mounted.
        </p>
      ) : (
        <div class="stack">
          <p class="small">Drives connected now:</p>
          <ul class="plain">
            {state.candidates.map((c) => (
              <li key={c.path} class="spread">
                <span>
                  <code>{c.path}</code>{' '}
                  <span class="small muted">
                    {c.device} ({c.fsType}){c.freeBytes !== undefined ? `, ${formatBytes(c.freeBytes)} free` : ''}
                  </span>
                </span>
                <button type="button" class="small secondary" onClick={() => setTarget(`${c.path}/pochta-backups`)}>
                  Use this drive
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Field
        form={form}
        prefix="bsched"
        name="target"
        label="Folder"
        hint="A folder on the USB drive or network share, such as /media/usb/pochta-backups. It is made if missing."
        value={target}
        onValue={setTarget}
        autoComplete="off"
        required
      />
      <Field
        form={form}
        prefix="bsched"
        name="how"
        label="How often"
        value={how}
        onValue={(v) => setHow(v === 'hours' ? 'hours' : 'daily')}
        options={[
          { value: 'daily', label: 'Once a day' },
          { value: 'hours', label: 'Every few hours' },
        ]}
      />
      {how === 'hours' ? (
        <Field
          form={form}
          prefix="bsched"
          name="everyHours"
          label="Every how many hours"
          inputMode="numeric"
          value={hours}
          onValue={setHours}
        />
      ) : (
        <Field
          form={form}
          prefix="bsched"
          name="dailyAt"
          label="At (the box's time)"
          hint="Such as 02:30. If the box is off then, it backs up as soon as it is on."
          value={dailyAt}
          onValue={setDailyAt}
        />
      )}
      <Field
        form={form}
        prefix="bsched"
        name="keep"
        label="Backups to keep"
        hint="Older ones are deleted from the drive."
        inputMode="numeric"
        value={keep}
        onValue={setKeep}
      />
      <label class="check">
        <input
          id="bsched-enabled"
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled((e.currentTarget as HTMLInputElement).checked)}
        />
        Back up on this schedule
      </label>
      <FormStatus form={form} />
      <div class="row">
        <Submit form={form}>Save schedule</Submit>
        {s ? (
          <button type="button" class="secondary" onClick={remove} disabled={form.busy}>
            Remove schedule
          </button>
        ) : null}
      </div>
    </form>
  );
}
