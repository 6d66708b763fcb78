// Mail users: create, disable, reset a password, set the mailbox quota.

import { useState } from 'preact/hooks';
import type { DomainView, UserView } from '../../../api-types.ts';
import { ListTable, useRowEditor } from '../list-table.tsx';
import { Badge, Card, confirmed, Field, FormStatus, formatBytes, Submit, UsageBar, useApi, useForm, useLoad } from '../ui.tsx';

function quotaText(bytes: number): string {
  if (bytes === 0) return '0';
  const gib = bytes / 1024 ** 3;
  if (Number.isInteger(gib)) return `${gib}G`;
  const mib = bytes / 1024 ** 2;
  return Number.isInteger(mib) ? `${mib}M` : String(bytes);
}

export function UsersPage() {
  const users = useLoad<UserView[]>('/api/users');
  const editor = useRowEditor(users, (u) => u.address);
  return (
    <>
      <h1 tabIndex={-1}>Users</h1>
      <p class="muted">Each user has a mailbox and signs in to mail apps with their address and password.</p>
      <Card title="Mailboxes">
        <ListTable
          loaded={users}
          empty="No users yet. Add the first one below."
          testId="users-table"
          rowKey={(u) => u.id}
          columns={[
            { title: 'Address', cell: (u) => u.address },
            { title: 'Name', cell: (u) => u.displayName || <span class="muted">—</span> },
            {
              title: 'Mailbox use',
              cell: (u) => (
                <>
                  <span class="small">
                    {formatBytes(u.usedBytes)} {u.quotaBytes > 0 ? `of ${formatBytes(u.quotaBytes)}` : '(no limit)'}
                  </span>
                  {u.quotaBytes > 0 ? <UsageBar used={u.usedBytes} total={u.quotaBytes} label={`Mailbox of ${u.address}`} /> : null}
                </>
              ),
            },
            { title: 'State', cell: (u) => (u.enabled ? <Badge kind="ok">Active</Badge> : <Badge kind="off">Disabled</Badge>) },
          ]}
          actions={editor.toggle}
        />
      </Card>
      {editor.current ? (
        <EditUser
          key={editor.current.address}
          user={editor.current}
          onChanged={users.reload}
          onRemoved={() => {
            editor.close();
            users.reload();
          }}
        />
      ) : null}
      <AddUser onAdded={users.reload} />
    </>
  );
}

function AddUser({ onAdded }: { readonly onAdded: () => void }) {
  const api = useApi();
  const domains = useLoad<DomainView[]>('/api/domains');
  const form = useForm('newuser');
  const [address, setAddress] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [quota, setQuota] = useState('');
  const firstDomain = domains.data?.[0]?.name;

  const submit = (e: Event) => {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (address.trim() === '') missing['address'] = 'Type the new mail address.';
    if (password === '') missing['password'] = 'Choose a password for this user.';
    if (Object.keys(missing).length > 0) return form.fail(missing);
    const full = address.includes('@') || !firstDomain ? address.trim() : `${address.trim()}@${firstDomain}`;
    void form.run(async () => {
      const user = await api.send<UserView>('POST', '/api/users', {
        address: full,
        password,
        ...(displayName ? { displayName } : {}),
        ...(quota.trim() ? { quota: quota.trim() } : {}),
      });
      setAddress('');
      setDisplayName('');
      setPassword('');
      setQuota('');
      onAdded();
      return `Added ${user.address}.`;
    });
  };

  return (
    <Card title="Add a user">
      <form class="stack" onSubmit={submit} noValidate>
        <Field
          form={form}
          prefix="newuser"
          name="address"
          label="Mail address"
          hint={firstDomain ? `For example anna@${firstDomain}` : 'Add a domain first.'}
          type="email"
          autoComplete="off"
          value={address}
          onValue={setAddress}
          required
        />
        <Field
          form={form}
          prefix="newuser"
          name="displayName"
          label="Full name"
          autoComplete="off"
          value={displayName}
          onValue={setDisplayName}
        />
        <Field
          form={form}
          prefix="newuser"
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
          required
        />
        <Field
          form={form}
          prefix="newuser"
          name="quota"
          label="Mailbox size limit"
          hint="Such as 500M or 2G. Leave empty for no limit."
          value={quota}
          onValue={setQuota}
          autoComplete="off"
        />
        <FormStatus form={form} />
        <Submit form={form}>Add user</Submit>
      </form>
    </Card>
  );
}

function EditUser({
  user,
  onChanged,
  onRemoved,
}: {
  readonly user: UserView;
  readonly onChanged: () => void;
  readonly onRemoved: () => void;
}) {
  const api = useApi();
  const path = `/api/users/${encodeURIComponent(user.address)}`;
  const quotaForm = useForm('quota');
  const passwordForm = useForm('reset');
  const stateForm = useForm('userstate');
  const [quota, setQuota] = useState(quotaText(user.quotaBytes));
  const [password, setPassword] = useState('');

  const saveQuota = (e: Event) => {
    e.preventDefault();
    void quotaForm.run(async () => {
      await api.send<UserView>('PATCH', path, { quota: quota.trim() || 0 });
      onChanged();
      return 'Mailbox limit saved.';
    });
  };
  const resetPassword = (e: Event) => {
    e.preventDefault();
    if (password === '') return passwordForm.fail({ password: 'Type the new password.' });
    void passwordForm.run(async () => {
      await api.send<UserView>('POST', `${path}/password`, { password });
      setPassword('');
      return `New password set. Tell ${user.address} and update their mail apps.`;
    });
  };
  const toggle = () =>
    void stateForm.run(async () => {
      await api.send<UserView>('PATCH', path, { enabled: !user.enabled });
      onChanged();
      return user.enabled ? 'The user can no longer sign in or receive mail.' : 'The user is active again.';
    });
  const remove = () => {
    if (!confirmed(`Delete ${user.address} and all mail in the mailbox? This cannot be undone.`)) return;
    void stateForm.run(async () => {
      await api.send('DELETE', path);
      onRemoved();
    });
  };

  return (
    <Card title={`Change ${user.address}`} reveal>
      <div class="grid">
        <form class="stack" onSubmit={saveQuota} noValidate>
          <h3>Mailbox size limit</h3>
          <Field
            form={quotaForm}
            prefix="quota"
            name="quota"
            label="Limit"
            hint="Such as 500M or 2G; 0 for no limit."
            value={quota}
            onValue={setQuota}
            autoComplete="off"
          />
          <FormStatus form={quotaForm} />
          <Submit form={quotaForm}>Save limit</Submit>
        </form>
        <form class="stack" onSubmit={resetPassword} noValidate>
          <h3>Reset password</h3>
          <Field
            form={passwordForm}
            prefix="reset"
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
          />
          <FormStatus form={passwordForm} />
          <Submit form={passwordForm}>Set password</Submit>
        </form>
        <div class="stack">
          <h3>Account</h3>
          <FormStatus form={stateForm} />
          <div class="row">
            <button type="button" class="secondary" disabled={stateForm.busy} onClick={toggle}>
              {user.enabled ? 'Disable user' : 'Enable user'}
            </button>
            <button type="button" class="danger" disabled={stateForm.busy} onClick={remove}>
              Delete user
            </button>
          </div>
          <a href={`/api/users/${encodeURIComponent(user.address)}/mobileconfig`} download>
            Apple profile for iPhone/Mac
          </a>
        </div>
      </div>
    </Card>
  );
}
