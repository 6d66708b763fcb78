// Software update: the running version, an upload of a release's .bundle
// file, and what the installer (run as root by the box, not by the web UI)
// says. The box restarts to install and goes back to the running version by
// itself if the new one does not come up healthy.

import { useEffect, useState } from 'preact/hooks';
import type { UpdateState, UpdateStateName } from '../../../api-types.ts';
import { Badge, Card, confirmed, FormStatus, formatBytes, formatTime, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';

const WORDS: Readonly<Record<UpdateStateName, [string, 'ok' | 'bad' | 'warn' | 'off']>> = {
  waiting: ['Waiting to install', 'warn'],
  running: ['Installing', 'warn'],
  installed: ['Installed', 'ok'],
  'rolled-back': ['Went back to the previous version', 'bad'],
  failed: ['Failed', 'bad'],
};

const time = (iso: string | undefined) => (iso ? formatTime(Date.parse(iso)) : undefined);

/** A request the installer has not started on yet (it writes status.json when it does). */
function pending(state: UpdateState): boolean {
  if (!state.request) return false;
  const started = state.status?.startedAt ? Date.parse(state.status.startedAt) : 0;
  return Date.parse(state.request.requestedAt) > started;
}

export function UpdatePage() {
  const api = useApi();
  const update = useLoad<UpdateState>('/api/update');
  const form = useForm('update', ['file', 'confirm']);
  const [file, setFile] = useState<File | undefined>();
  const [sure, setSure] = useState(false);
  const data = update.data;
  const busy =
    data !== undefined &&
    (data.status?.state === 'waiting' || data.status?.state === 'running' || (pending(data) && data.installer !== 'absent'));
  const { reload } = update;
  // While an update installs, look every 2 seconds; the box restarts in between, so failures to load are expected.
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [busy]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!file) return form.fail({ file: 'Choose the update file (.bundle) first.' });
    if (data && file.size > data.maxBytes)
      return form.fail({ file: `This file is bigger than an update can be (${formatBytes(data.maxBytes)}).` });
    if (!sure) return form.fail({ confirm: 'Tick the box to confirm that the box may restart.' });
    if (!confirmed(`Install ${file.name}? The box restarts; mail waits a minute and is not lost.`)) return;
    void form.run(async () => {
      update.set(await api.upload<UpdateState>('/api/update', file, 'application/octet-stream', { 'x-pochta-confirm': 'update' }));
      return 'Uploaded. The box installs it now; this page shows how it goes.';
    });
  };

  return (
    <>
      <h1 tabIndex={-1}>Software update</h1>
      <Loading loaded={update}>
        {(state) => (
          <>
            <Card title="This box">
              <p>
                Running version <strong data-testid="running-version">{state.version}</strong>.
              </p>
              {state.installer === 'absent' ? (
                <p class="notice warn" role="status" data-testid="installer-absent">
                  Development mode: nothing installs updates here. An upload is stored and the request written, but no update happens (on
                  the box, a system service does that as the administrator).
                </p>
              ) : null}
              {update.error && busy ? (
                <p class="notice warn" role="status">
                  The box is restarting… this page carries on by itself.
                </p>
              ) : null}
              {pending(state) ? (
                <p class="notice warn" role="status">
                  Update requested {time(state.request?.requestedAt)}
                  {state.installer === 'absent' ? '; nothing will pick it up in development mode.' : '; waiting for the box to start it.'}
                </p>
              ) : null}
              {state.status ? (
                <div class="stack" data-testid="update-status">
                  <p class="row">
                    <Badge kind={WORDS[state.status.state][1]}>{WORDS[state.status.state][0]}</Badge>
                    {state.status.version ? <span>version {state.status.version}</span> : null}
                  </p>
                  {state.status.message ? <p>{state.status.message}</p> : null}
                  <p class="small muted">
                    {state.status.startedAt ? `Started ${time(state.status.startedAt)}. ` : ''}
                    {state.status.finishedAt ? `Finished ${time(state.status.finishedAt)}.` : ''}
                  </p>
                </div>
              ) : null}
            </Card>
            <Card title="Install an update">
              <p>
                Updates come as a <code>.bundle</code> file from the maker of the box. The box checks that the file is genuine (signed),
                installs it next to the running version, restarts, and checks that mail works. If anything fails, it goes back to the
                version running now by itself. Mail arriving during the minute of the restart is retried by the sending servers and not
                lost.
              </p>
              <form class="stack" onSubmit={submit} noValidate>
                <div class="field">
                  <label for="update-file">Update file</label>
                  <input
                    id="update-file"
                    type="file"
                    accept=".bundle,application/octet-stream"
                    aria-invalid={form.errors['file'] ? 'true' : undefined}
                    aria-describedby={form.errors['file'] ? 'update-file-error' : undefined}
                    onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
                  />
                  {form.errors['file'] ? (
                    <span class="error" id="update-file-error" role="alert">
                      {form.errors['file']}
                    </span>
                  ) : null}
                </div>
                <div class="field">
                  <label class="check" for="update-confirm">
                    <input
                      id="update-confirm"
                      type="checkbox"
                      checked={sure}
                      aria-invalid={form.errors['confirm'] ? 'true' : undefined}
                      onChange={(e) => setSure((e.currentTarget as HTMLInputElement).checked)}
                    />
                    I understand that the box restarts to install the update.
                  </label>
                  {form.errors['confirm'] ? (
                    <span class="error" role="alert">
                      {form.errors['confirm']}
                    </span>
                  ) : null}
                </div>
                <FormStatus form={form} />
                <Submit form={form}>Upload and install</Submit>
              </form>
            </Card>
          </>
        )}
      </Loading>
    </>
  );
}
