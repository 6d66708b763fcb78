// Setting up mail apps: most find everything from the address and password
// alone (Thunderbird autoconfig, Outlook autodiscover); iPhones and Macs take
// a profile; the manual settings are here for everything else.

import type { SessionInfo, UserView } from '../../../api-types.ts';
import { Card, CopyButton, Loading, useLoad } from '../ui.tsx';

const SERVERS: readonly [string, string, number, string][] = [
  ['Incoming (IMAP)', 'recommended: keeps mail on the box for every device', 993, 'SSL/TLS'],
  ['Incoming (IMAP)', 'alternative', 143, 'STARTTLS'],
  ['Incoming (POP3)', 'downloads mail to one device', 995, 'SSL/TLS'],
  ['Outgoing (SMTP)', 'recommended', 465, 'SSL/TLS'],
  ['Outgoing (SMTP)', 'alternative', 587, 'STARTTLS'],
];

export function ClientsPage({ session }: { readonly session: SessionInfo }) {
  const users = useLoad<UserView[]>('/api/users');
  const host = session.hostname;
  return (
    <>
      <h1 tabIndex={-1}>Set up mail apps</h1>
      <Card title="Thunderbird and Outlook">
        <p>
          Type the mail address and password; the app finds the right settings by itself. This works once the DNS records for{' '}
          <code>autoconfig</code> and <code>autodiscover</code> are published (see DNS records).
        </p>
        <p class="small muted">
          What Thunderbird reads:{' '}
          <a href="/.well-known/autoconfig/mail/config-v1.1.xml" target="_blank" rel="noopener">
            autoconfig file
          </a>
        </p>
      </Card>
      <Card title="iPhone, iPad and Mac">
        <p>Open the profile of the user on the device, then install it in Settings. It asks for the password once.</p>
        <Loading loaded={users}>
          {(list) =>
            list.length === 0 ? (
              <p class="muted">No users yet.</p>
            ) : (
              <ul class="plain">
                {list.map((u) => (
                  <li key={u.id}>
                    <a href={`/api/users/${encodeURIComponent(u.address)}/mobileconfig`} download>
                      Profile for {u.address}
                    </a>
                  </li>
                ))}
              </ul>
            )
          }
        </Loading>
      </Card>
      <Card title="Any other app: the settings to type">
        <p>
          Server: <code>{host}</code> <CopyButton text={host} label="Copy the server name" /> · User name: the full mail address · Password:
          the user's password
        </p>
        <table class="responsive">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Port</th>
              <th>Security</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {SERVERS.map(([kind, note, port, security]) => (
              <tr key={port}>
                <td data-label="Kind">{kind}</td>
                <td data-label="Port">{port}</td>
                <td data-label="Security">{security}</td>
                <td data-label="Note" class="small muted">
                  {note}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}
