// Mail domains: the names after the @ that this box receives mail for.

import { useState } from 'preact/hooks';
import type { DomainView } from '../../../api-types.ts';
import { ListTable } from '../list-table.tsx';
import { href } from '../router.tsx';
import { Card, confirmed, Field, FormStatus, formatTime, Submit, useApi, useForm, useLoad } from '../ui.tsx';

export function DomainsPage() {
  const api = useApi();
  const domains = useLoad<DomainView[]>('/api/domains');
  const form = useForm('domain');
  const listForm = useForm('domains');
  const [name, setName] = useState('');

  const add = (e: Event) => {
    e.preventDefault();
    if (name.trim() === '') return form.fail({ name: 'Type a domain, such as example.com.' });
    void form.run(async () => {
      const added = await api.send<DomainView>('POST', '/api/domains', { name: name.trim() });
      setName('');
      domains.reload();
      return `Added ${added.name}. Publish its DNS records next.`;
    });
  };
  const remove = (domain: string) => {
    if (!confirmed(`Remove the domain ${domain}? Its users and aliases must be removed first.`)) return;
    void listForm.run(async () => {
      await api.send('DELETE', `/api/domains/${encodeURIComponent(domain)}`);
      domains.reload();
      return `Removed ${domain}.`;
    });
  };

  return (
    <>
      <h1 tabIndex={-1}>Domains</h1>
      <p class="muted">The part after the @ in your mail addresses. The box accepts mail for these domains.</p>
      <Card title="Your domains">
        <FormStatus form={listForm} />
        <ListTable
          loaded={domains}
          empty="No domains yet."
          rowKey={(d) => d.name}
          columns={[
            { title: 'Domain', cell: (d) => d.name },
            { title: 'Added', cell: (d) => formatTime(d.createdAt) },
            { title: 'DKIM key', cell: (d) => (d.dkim ? 'made' : 'none') },
          ]}
          actions={(d) => (
            <>
              <a class="button secondary small" href={href(`/dns?domain=${encodeURIComponent(d.name)}`)}>
                DNS records
              </a>{' '}
              <button type="button" class="small danger" onClick={() => remove(d.name)}>
                Remove
              </button>
            </>
          )}
        />
      </Card>
      <Card title="Add a domain">
        <form class="stack" onSubmit={add} noValidate>
          <Field
            form={form}
            prefix="domain"
            name="name"
            label="Domain"
            placeholder="example.com"
            value={name}
            onValue={setName}
            autoComplete="off"
            required
          />
          <FormStatus form={form} />
          <Submit form={form}>Add domain</Submit>
        </form>
      </Card>
    </>
  );
}
