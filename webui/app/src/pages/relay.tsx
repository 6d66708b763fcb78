// Sending and relay: which networks may send through the box without a
// login, and the optional smarthost, with a button to send a test message.

import { useEffect, useState } from 'preact/hooks';
import type { RelayTestResponse, SmarthostInput } from '../../../api-types.ts';
import { lines, useSettings } from '../settings.tsx';
import { Badge, Card, Field, FormStatus, Loading, Submit, useApi, useForm } from '../ui.tsx';
import { SmarthostFields, type SmarthostForm } from './setup.tsx';

const SMART_FIELDS = [
  'relay.smarthost.host',
  'relay.smarthost.port',
  'relay.smarthost.tls',
  'relay.smarthost.user',
  'relay.smarthost.password',
  'relay.smarthost',
];

export function RelayPage() {
  const settings = useSettings();
  return (
    <>
      <h1 tabIndex={-1}>Sending and relay</h1>
      <Loading loaded={settings.loaded}>
        {() => (
          <>
            <TrustedNetworks initial={settings.value<string[]>('relay.trustedNetworks') ?? []} save={settings.save} />
            <Smarthost initial={settings.value<SmarthostInput | null>('relay.smarthost') ?? null} save={settings.save} />
            <TestMessage />
          </>
        )}
      </Loading>
    </>
  );
}

function TrustedNetworks({
  initial,
  save,
}: {
  readonly initial: readonly string[];
  readonly save: (v: Record<string, unknown>) => Promise<void>;
}) {
  const form = useForm('relay', ['relay.trustedNetworks']);
  const [text, setText] = useState(initial.join('\n'));
  const submit = (e: Event) => {
    e.preventDefault();
    void form.run(async () => {
      await save({ 'relay.trustedNetworks': lines(text) });
      return 'Saved. Machines in these networks may now send mail through the box without signing in.';
    });
  };
  return (
    <Card title="Trusted networks">
      <form class="stack" onSubmit={submit} noValidate>
        <p class="muted">
          Printers, scanners and programs in these networks may send mail through the box without a password. Add your office network, such
          as <code>192.168.1.0/24</code>. Never add the whole internet.
        </p>
        <Field
          form={form}
          prefix="relay"
          name="relay.trustedNetworks"
          label="Networks (one per line)"
          multiline
          value={text}
          onValue={setText}
        />
        <FormStatus form={form} />
        <Submit form={form}>Save networks</Submit>
      </form>
    </Card>
  );
}

function Smarthost({
  initial,
  save,
}: {
  readonly initial: SmarthostInput | null;
  readonly save: (v: Record<string, unknown>) => Promise<void>;
}) {
  const form = useForm('relay', SMART_FIELDS);
  const [enabled, setEnabled] = useState(initial !== null);
  const [value, setValue] = useState<SmarthostForm>({
    host: initial?.host ?? '',
    port: String(initial?.port ?? 587),
    tls: initial?.tls ?? 'starttls',
    user: initial?.user ?? '',
    password: initial?.password ?? '',
  });
  useEffect(() => form.reset(), [enabled]);
  const submit = (e: Event) => {
    e.preventDefault();
    if (enabled && value.host.trim() === '') return form.fail({ 'relay.smarthost.host': 'Type the server name your provider gave you.' });
    const smarthost = enabled
      ? {
          host: value.host.trim(),
          port: Number(value.port) || value.port,
          tls: value.tls,
          ...(value.user ? { user: value.user, password: value.password } : {}),
        }
      : null;
    void form.run(async () => {
      await save({ 'relay.smarthost': smarthost });
      return enabled ? 'Saved. Outgoing mail now goes through this server.' : 'Saved. The box delivers outgoing mail directly.';
    });
  };
  return (
    <Card title="Smarthost (your provider's mail server)">
      <form class="stack" onSubmit={submit} noValidate>
        <p class="muted">
          Without a smarthost the box delivers mail straight to the receiving servers. Many internet lines block that; then use your
          provider's server.
        </p>
        <label class="check">
          <input
            id="relay-smarthost-on"
            type="checkbox"
            checked={enabled}
            onChange={(e) => setEnabled((e.currentTarget as HTMLInputElement).checked)}
          />
          Send all outgoing mail through a smarthost
        </label>
        {enabled ? <SmarthostFields form={form} prefix="relay" base="relay.smarthost" value={value} onValue={setValue} /> : null}
        <FormStatus form={form} />
        <Submit form={form}>Save smarthost</Submit>
      </form>
    </Card>
  );
}

function TestMessage() {
  const api = useApi();
  const form = useForm('relaytest', ['to']);
  const [to, setTo] = useState('');
  const [result, setResult] = useState<RelayTestResponse | undefined>();
  const submit = (e: Event) => {
    e.preventDefault();
    if (to.trim() === '') return form.fail({ to: 'Type an address outside the office to send the test to.' });
    setResult(undefined);
    void form.run(async () => {
      setResult(await api.send<RelayTestResponse>('POST', '/api/relay/test', { to: to.trim() }));
    });
  };
  return (
    <Card title="Send a test message">
      <form class="stack" onSubmit={submit} noValidate>
        <Field
          form={form}
          prefix="relaytest"
          name="to"
          label="Send it to"
          type="email"
          hint="An address outside your office, such as your personal mail."
          value={to}
          onValue={setTo}
        />
        <FormStatus form={form} />
        {result ? (
          <p class={`notice ${result.ok ? 'ok' : 'bad'}`} role="status">
            <Badge kind={result.ok ? 'ok' : 'bad'}>{result.ok ? 'Sent' : 'Not sent'}</Badge> via{' '}
            {result.route === 'smarthost' ? 'the smarthost' : 'direct delivery'}: {result.detail}
          </p>
        ) : null}
        <Submit form={form}>Send test message</Submit>
      </form>
    </Card>
  );
}
