// Changing one's own password: the admin's, or a mail user's (the only page
// a mail user sees).

import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../api-types.ts';
import { Card, Field, FormStatus, Submit, useApi, useForm } from '../ui.tsx';

export function AccountPage({ session }: { readonly session: SessionInfo }) {
  const api = useApi();
  const form = useForm('account', ['currentPassword', 'newPassword', 'confirm']);
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (currentPassword === '') return form.fail({ currentPassword: 'Type your current password.' });
    if (newPassword === '') return form.fail({ newPassword: 'Choose a new password.' });
    if (newPassword !== confirm) return form.fail({ confirm: 'The two new passwords are not the same.' });
    void form.run(async () => {
      await api.send('POST', '/api/account/password', { currentPassword, newPassword });
      setCurrent('');
      setNew('');
      setConfirm('');
      return session.role === 'admin' ? 'Password changed.' : 'Password changed. Type the new one in your mail apps when they ask.';
    });
  };
  return (
    <>
      <h1 tabIndex={-1}>My password</h1>
      <p class="muted">Signed in as {session.username}.</p>
      <Card>
        <form class="stack" onSubmit={submit} noValidate>
          <Field
            form={form}
            prefix="account"
            name="currentPassword"
            label="Current password"
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onValue={setCurrent}
          />
          <Field
            form={form}
            prefix="account"
            name="newPassword"
            label="New password"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onValue={setNew}
          />
          <Field
            form={form}
            prefix="account"
            name="confirm"
            label="New password again"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onValue={setConfirm}
          />
          <FormStatus form={form} />
          <Submit form={form}>Change password</Submit>
        </form>
      </Card>
      {session.role === 'user' && session.username ? (
        <Card title="Your mail apps">
          <p>
            Server name: <code>{session.hostname}</code>. User name: your full address. Most apps find the rest by themselves.
          </p>
          <p>
            On an iPhone, iPad or Mac:{' '}
            <a href={`/api/users/${encodeURIComponent(session.username)}/mobileconfig`} download>
              download your mail profile
            </a>
            , then install it in Settings.
          </p>
        </Card>
      ) : null}
    </>
  );
}
