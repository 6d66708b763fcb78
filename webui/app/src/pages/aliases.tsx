// Aliases (one address forwarding to others), lists (an alias with many
// targets) and catch-alls (@domain: everything not matched elsewhere).

import { useState } from 'preact/hooks';
import type { AliasView } from '../../../api-types.ts';
import { ListTable, useRowEditor } from '../list-table.tsx';
import { Card, confirmed, Field, FormStatus, Submit, useApi, useForm, useLoad } from '../ui.tsx';

/** Targets typed one per line or separated by commas. */
function parseTargets(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function kindOf(alias: AliasView): string {
  if (alias.address.startsWith('@')) return 'Catch-all';
  return alias.targets.length > 1 ? 'List' : 'Alias';
}

export function AliasesPage() {
  const aliases = useLoad<AliasView[]>('/api/aliases');
  const editor = useRowEditor(aliases, (a) => a.address);
  return (
    <>
      <h1 tabIndex={-1}>Aliases and lists</h1>
      <p class="muted">
        An alias passes mail on to other addresses: <em>info@</em> to two people, or a list for a whole team. A catch-all (written{' '}
        <code>@example.com</code>) receives mail sent to any address of the domain that does not exist.
      </p>
      <Card title="Forwarding addresses">
        <ListTable
          loaded={aliases}
          empty="No aliases yet."
          rowKey={(a) => a.address}
          columns={[
            { title: 'Address', cell: (a) => a.address },
            { title: 'Kind', cell: kindOf },
            { title: 'Goes to', cell: (a) => a.targets.join(', ') },
          ]}
          actions={editor.toggle}
        />
      </Card>
      {editor.current ? (
        <EditAlias
          key={editor.current.address}
          alias={editor.current}
          onChanged={aliases.reload}
          onRemoved={() => {
            editor.close();
            aliases.reload();
          }}
        />
      ) : null}
      <AddAlias onAdded={aliases.reload} />
    </>
  );
}

function AddAlias({ onAdded }: { readonly onAdded: () => void }) {
  const api = useApi();
  const form = useForm('alias', ['address', 'targets']);
  const [address, setAddress] = useState('');
  const [targets, setTargets] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const list = parseTargets(targets);
    const missing: Record<string, string> = {};
    if (address.trim() === '') missing['address'] = 'Type the address, or @domain for a catch-all.';
    if (list.length === 0) missing['targets'] = 'Type at least one address to pass the mail to.';
    if (Object.keys(missing).length > 0) return form.fail(missing);
    void form.run(async () => {
      const added = await api.send<AliasView>('POST', '/api/aliases', { address: address.trim(), targets: list });
      setAddress('');
      setTargets('');
      onAdded();
      return `Mail to ${added.address} now goes to ${added.targets.join(', ')}.`;
    });
  };
  return (
    <Card title="Add an alias, list or catch-all">
      <form class="stack" onSubmit={submit} noValidate>
        <Field
          form={form}
          prefix="alias"
          name="address"
          label="Address"
          hint="Such as info@example.com, or @example.com for a catch-all."
          value={address}
          onValue={setAddress}
          autoComplete="off"
        />
        <Field
          form={form}
          prefix="alias"
          name="targets"
          label="Pass mail on to"
          hint="One address per line."
          multiline
          value={targets}
          onValue={setTargets}
        />
        <FormStatus form={form} />
        <Submit form={form}>Add</Submit>
      </form>
    </Card>
  );
}

function EditAlias({
  alias,
  onChanged,
  onRemoved,
}: {
  readonly alias: AliasView;
  readonly onChanged: () => void;
  readonly onRemoved: () => void;
}) {
  const api = useApi();
  const form = useForm('editalias', ['targets']);
  const [targets, setTargets] = useState(alias.targets.join('\n'));
  const path = `/api/aliases/${encodeURIComponent(alias.address)}`;
  const save = (e: Event) => {
    e.preventDefault();
    const list = parseTargets(targets);
    if (list.length === 0) return form.fail({ targets: 'Keep at least one address, or delete the alias.' });
    void form.run(async () => {
      await api.send<AliasView>('PUT', path, { targets: list });
      onChanged();
      return 'Saved.';
    });
  };
  const remove = () => {
    if (!confirmed(`Delete ${alias.address}? Mail to it will be refused afterwards.`)) return;
    void form.run(async () => {
      await api.send('DELETE', path);
      onRemoved();
    });
  };
  return (
    <Card title={`Change ${alias.address}`} reveal>
      <form class="stack" onSubmit={save} noValidate>
        <Field
          form={form}
          prefix="editalias"
          name="targets"
          label="Pass mail on to"
          hint="One address per line."
          multiline
          value={targets}
          onValue={setTargets}
        />
        <FormStatus form={form} />
        <div class="row">
          <Submit form={form}>Save</Submit>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </form>
    </Card>
  );
}
