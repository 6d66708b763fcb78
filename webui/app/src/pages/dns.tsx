// DNS helper: for each domain, the records to publish at the DNS provider,
// each with a copy button, and what the DNS answers for it right now.

import { useState } from 'preact/hooks';
import type { DnsAdviceResponse, DnsRecordAdvice, DomainView } from '../../../api-types.ts';
import { navigate, routeParam } from '../router.tsx';
import { Badge, Card, CopyButton, Loading, useLoad } from '../ui.tsx';

const PUBLISHED: Readonly<Record<DnsRecordAdvice['published']['status'], [string, 'ok' | 'bad' | 'warn' | 'off']>> = {
  match: ['Published', 'ok'],
  missing: ['Missing', 'bad'],
  different: ['Different', 'warn'],
  unknown: ['Could not check', 'off'],
};

export function DnsPage() {
  const domains = useLoad<DomainView[]>('/api/domains');
  const [picked, setPicked] = useState(routeParam('domain'));
  const domain = picked ?? domains.data?.[0]?.name;
  return (
    <>
      <h1 tabIndex={-1}>DNS records</h1>
      <p class="muted">
        Give these records to whoever manages your domain's DNS (often the company you bought the domain from). They tell other mail servers
        to send your mail here, and that mail from here is genuine.
      </p>
      <Loading loaded={domains}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">Add a domain first.</p>
          ) : (
            <div class="field" style={{ maxWidth: '20rem', marginBottom: '1rem' }}>
              <label for="dns-domain">Domain</label>
              <select
                id="dns-domain"
                value={domain}
                onChange={(e) => {
                  const value = (e.currentTarget as HTMLSelectElement).value;
                  setPicked(value);
                  navigate(`/dns?domain=${encodeURIComponent(value)}`);
                }}
              >
                {list.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                  </option>
                ))}
              </select>
            </div>
          )
        }
      </Loading>
      {domain ? <Records key={domain} domain={domain} /> : null}
    </>
  );
}

function Records({ domain }: { readonly domain: string }) {
  const advice = useLoad<DnsAdviceResponse>(`/api/dns/${encodeURIComponent(domain)}`);
  return (
    <Card
      title={`Records for ${domain}`}
      actions={
        <button type="button" class="secondary small" onClick={advice.reload}>
          Check again
        </button>
      }
    >
      <Loading loaded={advice}>
        {(a) => (
          <div>
            {a.records.map((r) => {
              const [word, kind] = PUBLISHED[r.published.status];
              const value = r.type === 'MX' && r.priority !== undefined ? `${r.priority} ${r.value}` : r.value;
              return (
                <div class="record" key={`${r.type} ${r.name} ${r.value}`}>
                  <div class="spread">
                    <strong>
                      {r.type} <span class="mono">{r.name}</span>
                    </strong>
                    <Badge kind={kind}>{word}</Badge>
                  </div>
                  <p class="small muted" style={{ margin: '.2rem 0' }}>
                    {r.purpose}
                  </p>
                  <div class="value">
                    <span class="what">Name</span>
                    <code>{r.name}</code>
                    <CopyButton text={r.name} label={`Copy the name of the ${r.type} record ${r.name}`} />
                  </div>
                  <div class="value" style={{ marginTop: '.3rem' }}>
                    <span class="what">
                      {r.type === 'MX' ? 'Priority and value' : r.type === 'SRV' ? 'Priority, weight, port, target' : 'Value'}
                    </span>
                    <code>{value}</code>
                    <CopyButton text={value} label={`Copy the value of the ${r.type} record ${r.name}`} />
                  </div>
                  {r.published.status !== 'match' && r.published.answers.length > 0 ? (
                    <p class="small" style={{ margin: '.3rem 0 0' }}>
                      The DNS answers now: <code>{r.published.answers.join(' | ')}</code>
                    </p>
                  ) : null}
                </div>
              );
            })}
          </div>
        )}
      </Loading>
    </Card>
  );
}
