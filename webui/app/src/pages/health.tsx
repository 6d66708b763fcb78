// Mail health: every check green or red, with what to do about the red ones.
// Re-checked every minute while the page is open. The checks of how the
// internet sees the box use its public address: found through DNS, or given
// here when the DNS does not say it yet.

import { useEffect, useState } from 'preact/hooks';
import type { CheckStatus, HealthResponse } from '../../../api-types.ts';
import { Badge, Card, Field, FormStatus, formatTime, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';

const WORDS: Readonly<Record<CheckStatus, [string, 'ok' | 'bad' | 'warn' | 'off']>> = {
  ok: ['Good', 'ok'],
  warn: ['Check this', 'warn'],
  fail: ['Problem', 'bad'],
  unknown: ['Could not check', 'off'],
};

const ORDER: readonly CheckStatus[] = ['fail', 'warn', 'unknown', 'ok'];

export function HealthPage() {
  const health = useLoad<HealthResponse>('/api/health-checks');
  const { reload } = health;
  useEffect(() => {
    const timer = setInterval(reload, 60_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <>
      <div class="spread">
        <h1 tabIndex={-1}>Mail health</h1>
        <button type="button" class="secondary small" onClick={reload} disabled={health.loading}>
          {health.loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      <Loading loaded={health}>
        {(h) => {
          const problems = h.checks.filter((c) => c.status === 'fail').length;
          const sorted = [...h.checks].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
          return (
            <>
              <p class={`notice ${problems > 0 ? 'bad' : 'ok'}`} role="status">
                {problems > 0 ? `${problems} problem${problems === 1 ? '' : 's'} need attention.` : 'Everything checked is working.'}{' '}
                <span class="small">Checked {formatTime(h.checkedAt)}.</span>
              </p>
              <Card>
                <ul class="plain" data-testid="checks">
                  {sorted.map((c) => {
                    const [word, kind] = WORDS[c.status];
                    return (
                      <li key={c.id} data-check={c.id}>
                        <div class="spread">
                          <strong>{c.title}</strong>
                          <Badge kind={kind}>{word}</Badge>
                        </div>
                        <p class="small" style={{ margin: '.25rem 0 0' }}>
                          {c.detail}
                        </p>
                        {c.fix ? (
                          <p class="small" style={{ margin: '.25rem 0 0' }}>
                            <strong>What to do:</strong> {c.fix}
                          </p>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              </Card>
              <AddressCard current={h.publicAddress} onSaved={reload} />
            </>
          );
        }}
      </Loading>
    </>
  );
}

function AddressCard({ current, onSaved }: { readonly current: string | undefined; readonly onSaved: () => void }) {
  const api = useApi();
  const form = useForm('health', ['address']);
  const [address, setAddress] = useState(current ?? '');
  const save = (e: Event) => {
    e.preventDefault();
    void form.run(async () => {
      await api.send('PUT', '/api/health-checks/address', { address: address.trim() === '' ? null : address.trim() });
      onSaved();
      return address.trim() === '' ? 'The address is taken from the DNS again.' : 'Saved; the checks use it now.';
    });
  };
  return (
    <Card title="The office's public address">
      <form class="stack" onSubmit={save} noValidate>
        <Field
          form={form}
          prefix="health"
          name="address"
          label="Public IP address"
          hint="Leave empty to use the address the DNS gives for your mail server (MX). Your internet provider or the router's status page tells it."
          placeholder="203.0.113.25"
          value={address}
          onValue={setAddress}
          autoComplete="off"
        />
        <FormStatus form={form} />
        <Submit form={form}>Save address</Submit>
      </form>
    </Card>
  );
}
