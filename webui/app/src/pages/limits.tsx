// Limits: message size, recipients, connections, rates and how long
// outgoing mail is retried.

import { useState } from 'preact/hooks';
import { numberOrText, useSettings } from '../settings.tsx';
import { Card, Field, FormStatus, Loading, Submit, useForm } from '../ui.tsx';

const LIMITS: readonly { readonly key: string; readonly label: string; readonly hint?: string }[] = [
  { key: 'limits.messageSize', label: 'Largest message', hint: 'In bytes, or with a unit such as 25M.' },
  { key: 'limits.recipientsPerMessage', label: 'Most recipients in one message' },
  { key: 'limits.connectionsPerIp', label: 'Connections at once from one address' },
  { key: 'limits.connectionsTotal', label: 'Connections at once in total (per service)' },
  { key: 'limits.messagesPerMinutePerIp', label: 'Messages per minute from one address' },
  { key: 'limits.authFailuresPerIp', label: 'Wrong passwords from one address before it is slowed down' },
  { key: 'queue.lifetimeHours', label: 'Keep trying to send a message for (hours)', hint: 'Then it is returned to the sender.' },
  { key: 'queue.delayNoticeHours', label: 'Tell the sender about a delay after (hours)', hint: '0 means never.' },
];

export function LimitsPage() {
  const settings = useSettings();
  return (
    <>
      <h1 tabIndex={-1}>Limits</h1>
      <p class="muted">These protect the box from floods and runaway programs. The defaults suit most offices.</p>
      <Loading loaded={settings.loaded}>
        {(list) => <LimitsForm initial={Object.fromEntries(list.map((s) => [s.key, String(s.value)]))} save={settings.save} />}
      </Loading>
    </>
  );
}

function LimitsForm({
  initial,
  save,
}: {
  readonly initial: Readonly<Record<string, string>>;
  readonly save: (v: Record<string, unknown>) => Promise<void>;
}) {
  const form = useForm(
    'limits',
    LIMITS.map((l) => l.key),
  );
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(LIMITS.map((l) => [l.key, initial[l.key] ?? ''])));
  const submit = (e: Event) => {
    e.preventDefault();
    const changed = Object.fromEntries(
      LIMITS.filter((l) => values[l.key] !== initial[l.key]).map((l) => [l.key, numberOrText(values[l.key] ?? '')]),
    );
    void form.run(async () => {
      if (Object.keys(changed).length === 0) return 'Nothing changed.';
      await save(changed);
      return 'Saved.';
    });
  };
  return (
    <Card>
      <form class="stack" onSubmit={submit} noValidate>
        {LIMITS.map((l) => (
          <Field
            key={l.key}
            form={form}
            prefix="limits"
            name={l.key}
            label={l.label}
            hint={l.hint}
            inputMode={l.key === 'limits.messageSize' ? undefined : 'numeric'}
            value={values[l.key] ?? ''}
            onValue={(v) => setValues({ ...values, [l.key]: v })}
          />
        ))}
        <FormStatus form={form} />
        <Submit form={form}>Save limits</Submit>
      </form>
    </Card>
  );
}
