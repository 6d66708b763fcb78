// Sign-in for the admin and for mail users (who may change their own
// password), and admin password recovery confirmed by the button on the box.

import { useState } from 'preact/hooks';
import type { RecoveryState, SessionInfo } from '../../../api-types.ts';
import { Field, FormStatus, Submit, useApi, useForm } from '../ui.tsx';
import { PressButton } from './presence.tsx';

export function SignInPage({ session, onSignedIn }: { readonly session: SessionInfo; readonly onSignedIn: (s: SessionInfo) => void }) {
  const [recovering, setRecovering] = useState(false);
  return (
    <div class="center-page">
      <h1 tabIndex={-1}>{recovering ? 'Forgot the admin password' : 'Sign in to Pochta'}</h1>
      <p class="muted">{session.hostname}</p>
      {recovering ? (
        <Recovery simButton={session.simButton} onSignedIn={onSignedIn} onCancel={() => setRecovering(false)} />
      ) : (
        <>
          <SignInForm onSignedIn={onSignedIn} />
          <p>
            <button type="button" class="secondary" onClick={() => setRecovering(true)}>
              I forgot the admin password
            </button>
          </p>
        </>
      )}
    </div>
  );
}

function SignInForm({ onSignedIn }: { readonly onSignedIn: (s: SessionInfo) => void }) {
  const api = useApi();
  const form = useForm('login');
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (password === '') return form.fail({ password: 'Type your password.' });
    void form.run(async () => {
      onSignedIn(await api.send<SessionInfo>('POST', '/api/login', { username: username.trim(), password }));
    });
  };
  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <Field
        form={form}
        prefix="login"
        name="username"
        label="User name"
        hint="“admin” for the administrator, or your mail address to change your own password."
        autoComplete="username"
        value={username}
        onValue={setUsername}
        required
      />
      <Field
        form={form}
        prefix="login"
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
        required
      />
      <FormStatus form={form} />
      <Submit form={form}>Sign in</Submit>
    </form>
  );
}

function Recovery(props: { readonly simButton: boolean; readonly onSignedIn: (s: SessionInfo) => void; readonly onCancel: () => void }) {
  const api = useApi();
  const form = useForm('recover');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [state, setState] = useState<RecoveryState | undefined>();

  const submit = (e: Event) => {
    e.preventDefault();
    if (password !== confirm) return form.fail({ confirm: 'The two passwords are not the same.' });
    if (password === '') return form.fail({ password: 'Choose a new password.' });
    void form.run(async () => {
      setState(await api.send<RecoveryState>('POST', '/api/recovery/start', { password }));
    });
  };

  const confirmed = async () => {
    const info = await api.get<SessionInfo>('/api/session');
    props.onSignedIn(info);
  };

  if (state && state.presence !== 'idle') {
    return (
      <section class="card stack">
        <h2>Press the button on the box</h2>
        <p>Press the box's button once, briefly. The new password takes effect when you do.</p>
        <PressButton
          statePath="/api/recovery"
          pressPath="/api/recovery/press"
          simButton={state.simButton || props.simButton}
          initial={state.presence}
          onConfirmed={confirmed}
          onRestart={() => setState(undefined)}
        />
        <button type="button" class="secondary" onClick={props.onCancel}>
          Back to sign-in
        </button>
      </section>
    );
  }
  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <p>Choose a new admin password. You will then be asked to press the button on the box, to prove you are next to it.</p>
      <Field
        form={form}
        prefix="recover"
        name="password"
        label="New admin password"
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
        required
      />
      <Field
        form={form}
        prefix="recover"
        name="confirm"
        label="Type it again"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
        required
      />
      <FormStatus form={form} />
      <div class="row">
        <Submit form={form}>Next</Submit>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Back to sign-in
        </button>
      </div>
    </form>
  );
}
