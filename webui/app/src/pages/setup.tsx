// First-boot setup: admin password, then a press of the button on the box
// (proof that whoever sets it up stands next to it), then the mail domain,
// host name, first users and an optional smarthost.

import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo, SetupFinishRequest, SetupState, SetupStep, SmarthostInput } from '../../../api-types.ts';
import { href } from '../router.tsx';
import { Field, FormStatus, Submit, useApi, useForm } from '../ui.tsx';
import { PressButton } from './presence.tsx';

const STEPS: readonly { readonly step: SetupStep; readonly title: string }[] = [
  { step: 'password', title: '1. Password' },
  { step: 'presence', title: '2. Button' },
  { step: 'details', title: '3. Mail details' },
  { step: 'done', title: '4. Done' },
];

export function SetupWizard({ session, onDone }: { readonly session: SessionInfo; readonly onDone: (s: SessionInfo) => void }) {
  const api = useApi();
  const [state, setState] = useState<SetupState | undefined>();
  const [finished, setFinished] = useState<SessionInfo | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();

  useEffect(() => {
    api.get<SetupState>('/api/setup').then(setState, (err: unknown) => setLoadError(String(err instanceof Error ? err.message : err)));
  }, [api]);

  /** After each step the setup session may have a new CSRF token (it becomes an admin session on the press). */
  const advance = async (next: SetupState) => {
    const info = await api.get<SessionInfo>('/api/session');
    api.setCsrf(info.csrfToken);
    setState(next);
  };

  const step: SetupStep = finished ? 'done' : (state?.step ?? 'password');
  const current = STEPS.findIndex((s) => s.step === step);
  return (
    <div class="center-page">
      <h1 tabIndex={-1}>Set up your Pochta box</h1>
      <ol class="steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s.step} aria-current={i === current ? 'step' : undefined} class={i < current ? 'done' : undefined}>
            {s.title}
          </li>
        ))}
      </ol>
      {loadError ? (
        <p class="notice bad" role="alert">
          {loadError}
        </p>
      ) : null}
      {!state && !loadError ? <p class="muted">Loading…</p> : null}
      {state && step === 'password' ? <PasswordStep onNext={advance} /> : null}
      {state && step === 'presence' ? (
        <section class="card">
          <h2>Press the button on the box</h2>
          <p>
            To prove that you are standing next to the box, press its button once, briefly. This stops anyone else on the network from
            taking it over.
          </p>
          <PressButton
            statePath="/api/setup"
            startPath="/api/setup/presence"
            pressPath="/api/setup/press"
            simButton={state.simButton || session.simButton}
            initial={state.presence}
            onConfirmed={async () => advance(await api.get<SetupState>('/api/setup'))}
          />
        </section>
      ) : null}
      {state && step === 'details' ? <DetailsStep hostname={state.hostname || session.hostname} onFinished={setFinished} /> : null}
      {finished ? (
        <section class="card">
          <h2>Your box is ready</h2>
          <p>Mail for your domain can now arrive here once the DNS records point to this box.</p>
          <ul>
            <li>
              <a href={href('/dns')} onClick={() => onDone(finished)}>
                Publish the DNS records
              </a>{' '}
              your domain needs.
            </li>
            <li>
              <a href={href('/clients')} onClick={() => onDone(finished)}>
                Set up mail apps
              </a>{' '}
              on computers and phones.
            </li>
          </ul>
          <button type="button" onClick={() => onDone(finished)}>
            Go to the dashboard
          </button>
        </section>
      ) : null}
    </div>
  );
}

function PasswordStep({ onNext }: { readonly onNext: (s: SetupState) => Promise<void> }) {
  const api = useApi();
  const form = useForm('setup');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    if (password !== confirm) return form.fail({ confirm: 'The two passwords are not the same.' });
    if (password === '') return form.fail({ password: 'Choose a password.' });
    void form.run(async () => {
      await onNext(await api.send<SetupState>('POST', '/api/setup/password', { password }));
    });
  };
  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <h2>Choose the admin password</h2>
      <p class="muted">You will use it to sign in to this page. Pick something long that you do not use anywhere else.</p>
      <Field
        form={form}
        prefix="setup"
        name="password"
        label="Admin password"
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
        required
      />
      <Field
        form={form}
        prefix="setup"
        name="confirm"
        label="Type it again"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
        required
      />
      <FormStatus form={form} />
      <Submit form={form}>Next</Submit>
    </form>
  );
}

interface UserRow {
  address: string;
  displayName: string;
  password: string;
}

function DetailsStep({ hostname, onFinished }: { readonly hostname: string; readonly onFinished: (s: SessionInfo) => void }) {
  const api = useApi();
  const [domain, setDomain] = useState('');
  // The box's current name is a good default only when it is a real DNS name (not localhost or pochta.local).
  const currentIsReal = hostname.includes('.') && !hostname.endsWith('.local');
  const [hostTyped, setHostTyped] = useState<string | undefined>(currentIsReal ? hostname : undefined);
  const host = hostTyped ?? (domain.trim() ? `mail.${domain.trim().toLowerCase()}` : '');
  const setHost = (value: string) => setHostTyped(value);
  const [users, setUsers] = useState<UserRow[]>([{ address: '', displayName: '', password: '' }]);
  const [useSmarthost, setUseSmarthost] = useState(false);
  const [smart, setSmart] = useState({ host: '', port: '587', tls: 'starttls', user: '', password: '' });
  const known = [
    'domain',
    'hostname',
    ...users.flatMap((_, i) => [`users.${i}.address`, `users.${i}.displayName`, `users.${i}.password`]),
    'smarthost.host',
    'smarthost.port',
    'smarthost.tls',
    'smarthost.user',
    'smarthost.password',
  ];
  const form = useForm('setup', known);

  const updateUser = (i: number, key: keyof UserRow, value: string) =>
    setUsers(users.map((u, j) => (j === i ? { ...u, [key]: value } : u)));

  const submit = (e: Event) => {
    e.preventDefault();
    if (domain.trim() === '') return form.fail({ domain: 'Type the domain your mail addresses end with, such as example.com.' });
    const filled = users.filter((u) => u.address.trim() !== '' || u.password !== '');
    const smarthost: SmarthostInput | null = useSmarthost
      ? {
          host: smart.host.trim(),
          port: Number(smart.port) || 587,
          tls: smart.tls as SmarthostInput['tls'],
          ...(smart.user ? { user: smart.user, password: smart.password } : {}),
        }
      : null;
    const body: SetupFinishRequest = {
      domain: domain.trim(),
      hostname: host.trim() || undefined,
      users: filled.map((u) => ({
        address: u.address.includes('@') ? u.address.trim() : `${u.address.trim()}@${domain.trim()}`,
        password: u.password,
        ...(u.displayName ? { displayName: u.displayName } : {}),
      })),
      // Left out when unused: the box then delivers directly (the same as null, and the default).
      ...(smarthost ? { smarthost } : {}),
    };
    void form.run(async () => {
      onFinished(await api.send<SessionInfo>('POST', '/api/setup/finish', body));
    });
  };

  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <h2>Your mail</h2>
      <Field
        form={form}
        prefix="setup"
        name="domain"
        label="Mail domain"
        hint="The part after the @ in your addresses, such as example.com."
        placeholder="example.com"
        value={domain}
        onValue={setDomain}
        autoComplete="off"
        required
      />
      <Field
        form={form}
        prefix="setup"
        name="hostname"
        label="Name of this box"
        hint="The name mail apps and other mail servers use to reach it, such as mail.example.com. It needs an address record in your DNS."
        value={host}
        onValue={setHost}
        autoComplete="off"
      />
      <h3>First users</h3>
      <p class="muted small">You can add more later. Leave a row empty to skip it.</p>
      {users.map((u, i) => (
        <fieldset key={i} class="stack">
          <legend>User {i + 1}</legend>
          <Field
            form={form}
            prefix="setup"
            name={`users.${i}.address`}
            label="Address"
            hint={domain ? `For example anna@${domain}` : undefined}
            value={u.address}
            onValue={(v) => updateUser(i, 'address', v)}
            type="email"
            autoComplete="off"
          />
          <Field
            form={form}
            prefix="setup"
            name={`users.${i}.displayName`}
            label="Full name"
            value={u.displayName}
            onValue={(v) => updateUser(i, 'displayName', v)}
            autoComplete="off"
          />
          <Field
            form={form}
            prefix="setup"
            name={`users.${i}.password`}
            label="Password"
            type="password"
            autoComplete="new-password"
            value={u.password}
            onValue={(v) => updateUser(i, 'password', v)}
          />
          {users.length > 1 ? (
            <button type="button" class="secondary small" onClick={() => setUsers(users.filter((_, j) => j !== i))}>
              Remove user {i + 1}
            </button>
          ) : null}
        </fieldset>
      ))}
      <button type="button" class="secondary" onClick={() => setUsers([...users, { address: '', displayName: '', password: '' }])}>
        Add another user
      </button>
      <h3>Sending mail out</h3>
      <label class="check">
        <input
          id="setup-smarthost-on"
          type="checkbox"
          checked={useSmarthost}
          onChange={(e) => setUseSmarthost((e.currentTarget as HTMLInputElement).checked)}
        />
        Send outgoing mail through my internet provider's mail server (a "smarthost")
      </label>
      <p class="muted small">
        Many home and office internet lines block direct sending. Your provider tells you the server name and login.
      </p>
      {useSmarthost ? <SmarthostFields form={form} prefix="setup" base="smarthost" value={smart} onValue={setSmart} /> : null}
      <FormStatus form={form} />
      <Submit form={form}>Finish setup</Submit>
    </form>
  );
}

export interface SmarthostForm {
  host: string;
  port: string;
  tls: string;
  user: string;
  password: string;
}

/** Host, port, encryption and login of a smarthost; error names are `${base}.host` and so on. */
export function SmarthostFields(props: {
  readonly form: ReturnType<typeof useForm>;
  readonly prefix: string;
  readonly base: string;
  readonly value: SmarthostForm;
  readonly onValue: (v: SmarthostForm) => void;
}) {
  const { form, prefix, base, value, onValue } = props;
  const set = (key: keyof SmarthostForm) => (v: string) => onValue({ ...value, [key]: v });
  return (
    <div class="stack">
      <Field
        form={form}
        prefix={prefix}
        name={`${base}.host`}
        label="Server name"
        placeholder="smtp.provider.example"
        value={value.host}
        onValue={set('host')}
        autoComplete="off"
      />
      <Field form={form} prefix={prefix} name={`${base}.port`} label="Port" inputMode="numeric" value={value.port} onValue={set('port')} />
      <Field
        form={form}
        prefix={prefix}
        name={`${base}.tls`}
        label="Encryption"
        value={value.tls}
        onValue={set('tls')}
        options={[
          { value: 'starttls', label: 'STARTTLS (usually port 587)' },
          { value: 'implicit', label: 'SSL/TLS (usually port 465)' },
          { value: 'none', label: 'None (not recommended)' },
        ]}
      />
      <Field
        form={form}
        prefix={prefix}
        name={`${base}.user`}
        label="Login name (if the provider asks for one)"
        value={value.user}
        onValue={set('user')}
        autoComplete="off"
      />
      <Field
        form={form}
        prefix={prefix}
        name={`${base}.password`}
        label="Login password"
        type="password"
        autoComplete="new-password"
        value={value.password}
        onValue={set('password')}
      />
    </div>
  );
}
