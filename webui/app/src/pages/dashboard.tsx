// The dashboard: listeners, today's mail and the 24-hour chart, the queue,
// the box's own facts and its front panel. Status and panel arrive live over
// server-sent events; system facts are re-read every 30 seconds.

import { useEffect, useState } from 'preact/hooks';
import type { ListenerView, PanelState, StatusResponse, SystemFacts, UserView } from '../../../api-types.ts';
import { subscribe } from '../api.tsx';
import type { PageProps } from '../app.tsx';
import { MailChart } from '../chart.tsx';
import { href } from '../router.tsx';
import { Badge, Card, formatBytes, formatDuration, relativeTime, UsageBar, useApi, useLoad, useNow } from '../ui.tsx';

const LISTENER_WORDS: Readonly<Record<string, string>> = {
  smtp: 'Incoming mail (SMTP)',
  submission: 'Sending from mail apps (port 587)',
  smtps: 'Sending from mail apps (port 465)',
  imap: 'Mailboxes (IMAP)',
  imaps: 'Mailboxes (IMAP, encrypted)',
  pop3: 'Mail download (POP3)',
  pop3s: 'Mail download (POP3, encrypted)',
  web: 'This web page',
  queue: 'Outgoing delivery',
};

export function DashboardPage({ session }: PageProps) {
  const api = useApi();
  const [status, setStatus] = useState<StatusResponse | undefined>();
  const [panel, setPanel] = useState<PanelState | undefined>();
  const [system, setSystem] = useState<SystemFacts | undefined>();
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
    api.get<StatusResponse>('/api/status').then(setStatus, fail);
    api.get<PanelState>('/api/panel').then(setPanel, fail);
    const loadSystem = () => api.get<SystemFacts>('/api/system').then(setSystem, fail);
    void loadSystem();
    const timer = setInterval(loadSystem, 30_000);
    const close = subscribe(
      '/api/events',
      { status: (d) => setStatus(d as StatusResponse), panel: (d) => setPanel(d as PanelState) },
      setLive,
    );
    return () => {
      clearInterval(timer);
      close();
    };
  }, [api]);

  return (
    <>
      <div class="spread">
        <h1 tabIndex={-1}>Dashboard</h1>
        <span class="small muted" aria-live="polite">
          {live ? <Badge kind="ok">Live</Badge> : <Badge kind="off">Not live</Badge>}
        </span>
      </div>
      {error ? (
        <p class="notice bad" role="alert">
          {error}
        </p>
      ) : null}
      {status ? <Summary status={status} /> : <p class="muted">Loading…</p>}
      <div class="grid">
        {status ? (
          <Card title="Mail in the last 24 hours">
            <MailChart series={status.mail.series} />
          </Card>
        ) : null}
        {panel ? <FrontPanel panel={panel} canPress={session.simButton} onPanel={setPanel} /> : null}
      </div>
      <div style={{ height: '1rem' }} />
      {status ? <Listeners listeners={status.listeners} /> : null}
      <div class="grid">
        {system ? <SystemCard system={system} /> : null}
        {status ? <StoreCard status={status} /> : null}
        <UsersCard accounts={status?.store.accounts} />
      </div>
    </>
  );
}

function Summary({ status }: { readonly status: StatusResponse }) {
  const t = status.mail.today;
  const items: readonly [string, number | string, string?][] = [
    ['Received today', t.in],
    ['Sent today', t.out],
    ['Refused by blocklists', t.rejectedDnsbl],
    ['Refused by SPF/DMARC', t.rejectedAuth],
    ['Bounced', t.bounced],
    ['Waiting to be sent', status.queue.size, '/queue'],
  ];
  return (
    <div class="stats">
      {items.map(([label, value, link]) => (
        <div class="card stat" key={label}>
          <span class="value">{value}</span>
          <span class="label">{link ? <a href={href(link)}>{label}</a> : label}</span>
        </div>
      ))}
    </div>
  );
}

function listenerBadge(l: ListenerView) {
  switch (l.state) {
    case 'running':
      return <Badge kind="ok">Running</Badge>;
    case 'starting':
      return <Badge kind="warn">Starting</Badge>;
    case 'restarting':
      return <Badge kind="warn">Restarting</Badge>;
    case 'failed':
      return <Badge kind="bad">Failed</Badge>;
    default:
      return <Badge kind="off">Stopped</Badge>;
  }
}

function Listeners({ listeners }: { readonly listeners: readonly ListenerView[] }) {
  const api = useApi();
  const now = useNow(15_000);
  const [busy, setBusy] = useState<string | undefined>();
  const restart = async (name: string) => {
    setBusy(name);
    try {
      await api.send('POST', `/api/listeners/${encodeURIComponent(name)}/restart`);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <Card title="Services">
      <table class="responsive">
        <thead>
          <tr>
            <th>Service</th>
            <th>State</th>
            <th>Address</th>
            <th>Up for</th>
            <th>Restarts</th>
            <th>
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {listeners.map((l) => (
            <tr key={l.name} data-listener={l.name}>
              <td data-label="Service">
                {LISTENER_WORDS[l.name] ?? l.name} <span class="muted small">({l.name})</span>
                {l.lastError && l.state !== 'running' ? <div class="small form-error">{l.lastError}</div> : null}
              </td>
              <td data-label="State" class="inline-phone">
                {listenerBadge(l)}
              </td>
              <td data-label="Address" class="mono small hide-phone">
                {l.address ? `${l.address.host}:${l.address.port}` : '—'}
              </td>
              <td data-label="Up for" class="inline-phone">
                {l.state === 'running' && l.startedAt ? formatDuration(now - l.startedAt) : '—'}
              </td>
              <td data-label="Restarts" class="inline-phone">
                {l.restarts}
              </td>
              <td class="actions">
                {l.state === 'failed' || l.state === 'stopped' ? (
                  <button type="button" class="small" disabled={busy === l.name} onClick={() => void restart(l.name)}>
                    Restart
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

const PATTERN_WORDS: Readonly<Record<string, string>> = {
  on: 'on',
  off: 'off',
  'blink-slow': 'blinking slowly',
  'blink-fast': 'blinking fast',
  'blink-rapid': 'blinking very fast',
  heartbeat: 'pulsing',
};

/** One on-off cycle of each blinking pattern (firmware/gpio/patterns.ts), for the CSS animation. */
const BLINK_SECONDS: Readonly<Record<string, number>> = { 'blink-slow': 1, 'blink-fast': 0.3, 'blink-rapid': 0.1, heartbeat: 1.2 };

/** 'led.green' -> 'green' for the lamp's colour. */
function ledColour(name: string): string {
  return /green/.test(name) ? 'green' : /red/.test(name) ? 'red' : 'other';
}

/** 'led.green' -> 'Green light'. */
function ledLabel(name: string): string {
  const colour = name.replace(/^led\./, '');
  return `${colour.charAt(0).toUpperCase()}${colour.slice(1)} light`;
}

function FrontPanel({
  panel,
  canPress,
  onPanel,
}: {
  readonly panel: PanelState;
  readonly canPress: boolean;
  readonly onPanel: (p: PanelState) => void;
}) {
  const api = useApi();
  const [error, setError] = useState<string | undefined>();
  const press = async (kind: 'short' | 'long') => {
    setError(undefined);
    try {
      onPanel(await api.send<PanelState>('POST', '/api/panel/press', { kind }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Card title="Front panel">
      <fieldset class="panel-box">
        <legend class="sr-only">The box's lights, as lit now</legend>
        {Object.entries(panel.leds).map(([name, led]) => {
          const period = BLINK_SECONDS[led.pattern];
          const on = led.lit || period !== undefined;
          return (
            <span key={name} class={`led ${ledColour(name)}${on ? ' on' : ''}${period ? ' blink' : ''}`} data-led={name}>
              <span class="lamp" aria-hidden="true" style={period ? { animationDuration: `${period}s` } : undefined} />
              <span>
                {ledLabel(name)}: {PATTERN_WORDS[led.pattern] ?? led.pattern}
              </span>
            </span>
          );
        })}
        {canPress ? (
          <button type="button" onClick={() => void press('short')}>
            Press the button
          </button>
        ) : null}
      </fieldset>
      <p class="small muted" style={{ marginTop: '.5rem' }}>
        {[panel.reason, panel.driver === 'sim' ? 'Simulated board: no real lights on this machine.' : undefined].filter(Boolean).join('. ')}
      </p>
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </Card>
  );
}

function SystemCard({ system }: { readonly system: SystemFacts }) {
  const usedMem = system.memory.totalBytes - system.memory.availableBytes;
  return (
    <Card title="The box">
      <dl class="facts">
        <dt>Temperature</dt>
        <dd>{system.cpuTempC !== undefined ? `${Math.round(system.cpuTempC)} °C` : 'not reported'}</dd>
        <dt>Load</dt>
        <dd>
          {system.load.map((l) => l.toFixed(2)).join(' / ')} <span class="muted small">({system.cpus} cores)</span>
        </dd>
        <dt>Memory</dt>
        <dd>
          {formatBytes(usedMem)} of {formatBytes(system.memory.totalBytes)} in use
          <UsageBar used={usedMem} total={system.memory.totalBytes} label="Memory in use" />
        </dd>
        {system.disk ? (
          <>
            <dt>Disk</dt>
            <dd>
              {formatBytes(system.disk.freeBytes)} free of {formatBytes(system.disk.totalBytes)}
              <UsageBar used={system.disk.totalBytes - system.disk.freeBytes} total={system.disk.totalBytes} label="Disk in use" />
            </dd>
          </>
        ) : null}
        <dt>Running for</dt>
        <dd>{formatDuration(system.uptimeSeconds * 1000)}</dd>
        <dt>Addresses</dt>
        <dd class="mono small">{system.addresses.map((a) => `${a.address} (${a.iface})`).join(', ') || '—'}</dd>
        {system.throttled ? (
          <>
            <dt>Power</dt>
            <dd>
              {system.throttled.undervoltageNow ? (
                <Badge kind="bad">Power supply too weak now</Badge>
              ) : system.throttled.undervoltageSinceBoot ? (
                <Badge kind="warn">Power dipped since start</Badge>
              ) : (
                <Badge kind="ok">Good</Badge>
              )}
            </dd>
          </>
        ) : null}
      </dl>
    </Card>
  );
}

function StoreCard({ status }: { readonly status: StatusResponse }) {
  return (
    <Card title="Mail store">
      <dl class="facts">
        <dt>Domains</dt>
        <dd>
          <a href={href('/domains')}>{status.store.domains}</a>
        </dd>
        <dt>Users</dt>
        <dd>
          <a href={href('/users')} data-testid="user-count">
            {status.store.accounts}
          </a>
        </dd>
        <dt>Messages</dt>
        <dd>{status.store.messages}</dd>
        <dt>Stored mail</dt>
        <dd>{formatBytes(status.store.blobBytes)}</dd>
        <dt>Oldest in queue</dt>
        <dd>{status.queue.oldestAt ? relativeTime(status.queue.oldestAt) : 'none'}</dd>
        <dt>Software</dt>
        <dd>
          Pochta {status.version}
          {status.dev ? ' (test mode)' : ''}
        </dd>
        <dt>Daemon up for</dt>
        <dd>{status.uptimeMs !== undefined ? formatDuration(status.uptimeMs) : '—'}</dd>
      </dl>
    </Card>
  );
}

/** The mailboxes at a glance; re-read when the live user count changes. */
function UsersCard({ accounts }: { readonly accounts: number | undefined }) {
  const users = useLoad<UserView[]>('/api/users');
  const { reload } = users;
  useEffect(() => {
    if (accounts !== undefined) reload();
  }, [accounts]);
  const list = users.data ?? [];
  return (
    <Card title="Mailboxes" actions={<a href={href('/users')}>Manage</a>}>
      {list.length === 0 ? <p class="muted">{users.loading ? 'Loading…' : 'No users yet.'}</p> : null}
      <ul class="plain" data-testid="dashboard-users">
        {list.slice(0, 12).map((u) => (
          <li key={u.id}>
            <div class="spread">
              <span>
                {u.address} {u.enabled ? null : <Badge kind="off">Disabled</Badge>}
              </span>
              <span class="small muted">
                {u.quotaBytes > 0 ? `${formatBytes(u.usedBytes)} of ${formatBytes(u.quotaBytes)}` : formatBytes(u.usedBytes)}
              </span>
            </div>
            {u.quotaBytes > 0 ? <UsageBar used={u.usedBytes} total={u.quotaBytes} label={`Mailbox of ${u.address}`} /> : null}
          </li>
        ))}
      </ul>
      {list.length > 12 ? <p class="small muted">and {list.length - 12} more</p> : null}
    </Card>
  );
}
