// Spam blocklists (DNSBL): which lists the box asks about every connecting
// server, how much each one counts, the score that refuses mail, and the
// senders never checked. Also DMARC enforcement.

import { useState } from 'preact/hooks';
import { lines, useSettings } from '../settings.tsx';
import { Card, Field, FormStatus, Loading, Submit, useForm } from '../ui.tsx';

interface ZoneRow {
  zone: string;
  weight: string;
  codes: string;
}

interface Zone {
  readonly zone: string;
  readonly weight: number;
  readonly codes?: readonly string[];
}

export function DnsblPage() {
  const settings = useSettings();
  return (
    <>
      <h1 tabIndex={-1}>Spam blocklists</h1>
      <p class="muted">
        When another server connects to deliver mail, the box asks public blocklists whether that server is known for spam. Each list that
        names it adds its weight to a score; at the threshold the mail is refused.
      </p>
      <Loading loaded={settings.loaded}>
        {() => (
          <DnsblForm
            zones={settings.value<Zone[]>('dnsbl.zones') ?? []}
            threshold={settings.value<number>('dnsbl.threshold') ?? 1}
            allow={settings.value<string[]>('dnsbl.allow') ?? []}
            rejectAt={settings.value<string>('dnsbl.rejectAt') ?? 'connect'}
            dmarc={settings.value<boolean>('dmarc.enforceReject') ?? true}
            save={settings.save}
          />
        )}
      </Loading>
    </>
  );
}

function DnsblForm(props: {
  readonly zones: readonly Zone[];
  readonly threshold: number;
  readonly allow: readonly string[];
  readonly rejectAt: string;
  readonly dmarc: boolean;
  readonly save: (v: Record<string, unknown>) => Promise<void>;
}) {
  const [rows, setRows] = useState<ZoneRow[]>(
    props.zones.map((z) => ({ zone: z.zone, weight: String(z.weight), codes: (z.codes ?? []).join(', ') })),
  );
  const [threshold, setThreshold] = useState(String(props.threshold));
  const [allow, setAllow] = useState(props.allow.join('\n'));
  const [rejectAt, setRejectAt] = useState(props.rejectAt);
  const [dmarc, setDmarc] = useState(props.dmarc);
  const known = [
    ...rows.flatMap((_, i) => [`dnsbl.zones.${i}.zone`, `dnsbl.zones.${i}.weight`, `dnsbl.zones.${i}.codes`]),
    'dnsbl.threshold',
    'dnsbl.allow',
    'dnsbl.rejectAt',
  ];
  const form = useForm('dnsbl', known);
  const update = (i: number, key: keyof ZoneRow, v: string) => setRows(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));

  const submit = (e: Event) => {
    e.preventDefault();
    const zones = rows
      .filter((r) => r.zone.trim() !== '')
      .map((r) => {
        const codes = lines(r.codes);
        return { zone: r.zone.trim(), weight: Number(r.weight), ...(codes.length > 0 ? { codes } : {}) };
      });
    void form.run(async () => {
      await props.save({
        'dnsbl.zones': zones,
        'dnsbl.threshold': Number(threshold),
        'dnsbl.allow': lines(allow),
        'dnsbl.rejectAt': rejectAt,
        'dmarc.enforceReject': dmarc,
      });
      return 'Saved. New connections use these lists at once.';
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card title="Lists">
        <div class="stack">
          {rows.map((r, i) => (
            <fieldset key={i} class="grid">
              <legend>List {i + 1}</legend>
              <Field
                form={form}
                prefix="dnsbl"
                name={`dnsbl.zones.${i}.zone`}
                label="List name"
                value={r.zone}
                onValue={(v) => update(i, 'zone', v)}
                placeholder="zen.spamhaus.org"
              />
              <Field
                form={form}
                prefix="dnsbl"
                name={`dnsbl.zones.${i}.weight`}
                label="Weight"
                inputMode="decimal"
                value={r.weight}
                onValue={(v) => update(i, 'weight', v)}
              />
              <Field
                form={form}
                prefix="dnsbl"
                name={`dnsbl.zones.${i}.codes`}
                label="Answers that count (optional)"
                placeholder="127.0.0.2, 127.0.0.3"
                value={r.codes}
                onValue={(v) => update(i, 'codes', v)}
              />
              <div class="field" style={{ justifyContent: 'flex-end' }}>
                <button type="button" class="secondary small" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  Remove list {i + 1}
                </button>
              </div>
            </fieldset>
          ))}
          <button type="button" class="secondary" onClick={() => setRows([...rows, { zone: '', weight: '1', codes: '' }])}>
            Add a list
          </button>
        </div>
      </Card>
      <Card title="When to refuse">
        <div class="stack form">
          <Field
            form={form}
            prefix="dnsbl"
            name="dnsbl.threshold"
            label="Refuse at a score of"
            inputMode="decimal"
            value={threshold}
            onValue={setThreshold}
          />
          <Field
            form={form}
            prefix="dnsbl"
            name="dnsbl.rejectAt"
            label="Refuse"
            value={rejectAt}
            onValue={setRejectAt}
            options={[
              { value: 'connect', label: 'as soon as the server connects' },
              { value: 'rcpt', label: 'when it names the first recipient (logs who it was for)' },
            ]}
          />
          <Field
            form={form}
            prefix="dnsbl"
            name="dnsbl.allow"
            label="Never check these senders"
            hint="Networks (such as 203.0.113.0/24) or server names, one per line."
            multiline
            value={allow}
            onValue={setAllow}
          />
          <label class="check">
            <input
              id="dnsbl-dmarc"
              type="checkbox"
              checked={dmarc}
              onChange={(e) => setDmarc((e.currentTarget as HTMLInputElement).checked)}
            />
            Refuse mail that fails DMARC when the sender's domain asks for that (recommended)
          </label>
        </div>
      </Card>
      <FormStatus form={form} />
      <Submit form={form}>Save blocklist settings</Submit>
    </form>
  );
}
