// Backup and restore. A backup is a tar of the store taken while the box
// runs; a restore is staged and replaces the data when the daemon next starts;
// a schedule writes backups to a USB drive or network share by itself.

import { useState } from 'preact/hooks';
import type { RestoreState } from '../../../api-types.ts';
import { Card, confirmed, FormStatus, formatBytes, formatTime, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';
import { ScheduleCard } from './backup-schedule.tsx';

export function BackupPage() {
  const api = useApi();
  const restore = useLoad<RestoreState>('/api/restore');
  const form = useForm('restore', ['file']);
  const cancelForm = useForm('cancelrestore');
  const [file, setFile] = useState<File | undefined>();
  const [sure, setSure] = useState(false);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!file) return form.fail({ file: 'Choose the backup file (.tar) first.' });
    if (!sure) return form.fail({ sure: 'Tick the box to confirm that the current mail will be replaced.' });
    if (!confirmed(`Replace all mail, users and settings with the backup ${file.name}? The current data is kept aside on the box.`)) return;
    void form.run(async () => {
      restore.set(await api.upload<RestoreState>('/api/restore', file, 'application/x-tar', { 'x-pochta-confirm': 'restore' }));
      return 'The backup is ready. It replaces the current data when the box restarts.';
    });
  };
  const cancel = () =>
    void cancelForm.run(async () => {
      restore.set(await api.send<RestoreState>('DELETE', '/api/restore'));
      return 'Restore cancelled; the box keeps its current data.';
    });

  return (
    <>
      <h1 tabIndex={-1}>Backup and restore</h1>
      <Card title="Download a backup">
        <p>
          A copy of all mailboxes, users and settings, taken now while the box keeps working. Keep it somewhere safe: it contains everyone's
          mail.
        </p>
        <a class="button" href="/api/backup" download data-testid="backup-download">
          Download backup
        </a>
      </Card>
      <ScheduleCard />
      <Card title="Restore from a backup">
        <Loading loaded={restore}>
          {(state) =>
            state.staged ? (
              <div class="stack">
                <p class="notice warn" role="status">
                  A backup{state.bytes !== undefined ? ` (${formatBytes(state.bytes)})` : ''} uploaded {formatTime(state.stagedAt)} will
                  replace the current data when the box restarts next.
                </p>
                <FormStatus form={cancelForm} />
                <button type="button" class="secondary" onClick={cancel} disabled={cancelForm.busy}>
                  Cancel the restore
                </button>
              </div>
            ) : (
              <form class="stack" onSubmit={submit} noValidate>
                <p class="muted">
                  The current data is moved aside on the box, not deleted, so a mistake can be undone by your IT contractor.
                </p>
                <FormStatus form={cancelForm} />
                <div class="field">
                  <label for="restore-file">Backup file</label>
                  <input
                    id="restore-file"
                    type="file"
                    accept=".tar,application/x-tar"
                    aria-invalid={form.errors['file'] ? 'true' : undefined}
                    aria-describedby={form.errors['file'] ? 'restore-file-error' : undefined}
                    onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
                  />
                  {form.errors['file'] ? (
                    <span class="error" id="restore-file-error" role="alert">
                      {form.errors['file']}
                    </span>
                  ) : null}
                </div>
                <div class="field">
                  <label class="check" for="restore-sure">
                    <input
                      id="restore-sure"
                      type="checkbox"
                      checked={sure}
                      aria-invalid={form.errors['sure'] ? 'true' : undefined}
                      onChange={(e) => setSure((e.currentTarget as HTMLInputElement).checked)}
                    />
                    I understand that all current mail, users and settings will be replaced by the backup.
                  </label>
                  {form.errors['sure'] ? (
                    <span class="error" role="alert">
                      {form.errors['sure']}
                    </span>
                  ) : null}
                </div>
                <FormStatus form={form} />
                <Submit form={form} class="danger">
                  Restore this backup
                </Submit>
              </form>
            )
          }
        </Loading>
      </Card>
    </>
  );
}
