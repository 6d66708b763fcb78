// Remote access over SSH for the IT contractor: on or off, and the keys
// that may sign in as the maintenance user.

import { useEffect, useState } from 'preact/hooks';
import type { SshState } from '../../../api-types.ts';
import { Badge, Card, Field, FormStatus, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';

export function SshPage() {
  const ssh = useLoad<SshState>('/api/ssh');
  return (
    <>
      <h1 tabIndex={-1}>Remote access (SSH)</h1>
      <p class="muted">
        Lets your IT contractor look after the box from their computer. Only people holding one of the keys below can sign in.
      </p>
      <Loading loaded={ssh}>{(state) => <SshForm state={state} onSaved={ssh.set} />}</Loading>
    </>
  );
}

function SshForm({ state, onSaved }: { readonly state: SshState; readonly onSaved: (s: SshState) => void }) {
  const api = useApi();
  const toggle = useForm('sshtoggle');
  const keysForm = useForm('ssh', ['keys']);
  const [keys, setKeys] = useState(state.keys.map((k) => k.line).join('\n'));
  useEffect(() => setKeys(state.keys.map((k) => k.line).join('\n')), [state]);

  const flip = () =>
    void toggle.run(async () => {
      onSaved(await api.send<SshState>('PUT', '/api/ssh', { enabled: !state.enabled }));
      return state.enabled ? 'Remote access is off.' : 'Remote access is on.';
    });
  const save = (e: Event) => {
    e.preventDefault();
    const list = keys
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    void keysForm.run(async () => {
      onSaved(await api.send<SshState>('PUT', '/api/ssh', { keys: list }));
      return 'Keys saved.';
    });
  };

  return (
    <>
      <Card title="Remote access">
        <p>
          {state.enabled ? <Badge kind="ok">On</Badge> : <Badge kind="off">Off</Badge>} Maintenance user: <code>{state.user}</code>
        </p>
        <FormStatus form={toggle} />
        <button type="button" class={state.enabled ? 'secondary' : ''} disabled={toggle.busy} onClick={flip}>
          {state.enabled ? 'Switch remote access off' : 'Switch remote access on'}
        </button>
      </Card>
      <Card title="Allowed keys">
        {state.keys.length > 0 ? (
          <ul class="plain small">
            {state.keys.map((k) => (
              <li key={k.fingerprint}>
                <strong>{k.comment || '(no name)'}</strong> <span class="muted">{k.type}</span> <code>{k.fingerprint}</code>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No keys yet.</p>
        )}
        <form class="stack" onSubmit={save} noValidate style={{ marginTop: '1rem' }}>
          <Field
            form={keysForm}
            prefix="ssh"
            name="keys"
            label="Public keys (one per line)"
            hint="Lines as in an authorized_keys file, such as “ssh-ed25519 AAAA… anna@laptop”."
            multiline
            value={keys}
            onValue={setKeys}
          />
          <FormStatus form={keysForm} />
          <Submit form={keysForm}>Save keys</Submit>
        </form>
      </Card>
    </>
  );
}
