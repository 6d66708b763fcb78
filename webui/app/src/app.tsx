// The app's frame: asks the box who we are, then shows the setup wizard,
// the sign-in page, a mail user's own account page, or the admin pages with
// their navigation.

import type { ComponentType, JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../../api-types.ts';
import type { Api } from './api.tsx';
import { AccountPage } from './pages/account.tsx';
import { AliasesPage } from './pages/aliases.tsx';
import { BackupPage } from './pages/backup.tsx';
import { ClientsPage } from './pages/clients.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { DnsPage } from './pages/dns.tsx';
import { DnsblPage } from './pages/dnsbl.tsx';
import { DomainsPage } from './pages/domains.tsx';
import { HealthPage } from './pages/health.tsx';
import { LimitsPage } from './pages/limits.tsx';
import { LogsPage } from './pages/logs.tsx';
import { QueuePage } from './pages/queue.tsx';
import { RelayPage } from './pages/relay.tsx';
import { SetupWizard } from './pages/setup.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SshPage } from './pages/ssh.tsx';
import { TlsPage } from './pages/tls.tsx';
import { UpdatePage } from './pages/update.tsx';
import { UsersPage } from './pages/users.tsx';
import { href, navigate, useRoute } from './router.tsx';
import { ApiContext, useApi } from './ui.tsx';

export interface PageProps {
  readonly session: SessionInfo;
}

interface PageEntry {
  readonly route: string;
  readonly title: string;
  readonly page: ComponentType<PageProps>;
}

/** The admin's pages, grouped as the navigation shows them. */
const SECTIONS: readonly { readonly title: string; readonly pages: readonly PageEntry[] }[] = [
  {
    title: 'Overview',
    pages: [
      { route: '/', title: 'Dashboard', page: DashboardPage },
      { route: '/health', title: 'Mail health', page: HealthPage },
    ],
  },
  {
    title: 'Mail',
    pages: [
      { route: '/domains', title: 'Domains', page: DomainsPage },
      { route: '/users', title: 'Users', page: UsersPage },
      { route: '/aliases', title: 'Aliases and lists', page: AliasesPage },
      { route: '/queue', title: 'Outgoing queue', page: QueuePage },
      { route: '/clients', title: 'Set up mail apps', page: ClientsPage },
    ],
  },
  {
    title: 'Settings',
    pages: [
      { route: '/relay', title: 'Sending and relay', page: RelayPage },
      { route: '/dnsbl', title: 'Spam blocklists', page: DnsblPage },
      { route: '/limits', title: 'Limits', page: LimitsPage },
      { route: '/dns', title: 'DNS records', page: DnsPage },
      { route: '/tls', title: 'Certificate', page: TlsPage },
      { route: '/ssh', title: 'Remote access (SSH)', page: SshPage },
    ],
  },
  {
    title: 'Maintenance',
    pages: [
      { route: '/logs', title: 'Logs', page: LogsPage },
      { route: '/backup', title: 'Backup and restore', page: BackupPage },
      { route: '/update', title: 'Software update', page: UpdatePage },
      { route: '/account', title: 'My password', page: AccountPage },
    ],
  },
];

const PAGES: readonly PageEntry[] = SECTIONS.flatMap((s) => s.pages);

export function App({ api }: { readonly api: Api }) {
  const [session, setSession] = useState<SessionInfo | undefined>();
  const [error, setError] = useState<string | undefined>();

  const refresh = useCallback(async () => {
    try {
      const info = await api.get<SessionInfo>('/api/session');
      api.setCsrf(info.csrfToken);
      setSession(info);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api]);

  useEffect(() => {
    api.onUnauthenticated(() => void refresh());
    void refresh();
  }, [api, refresh]);

  /** Pages that sign in (login, wizard, recovery) hand over the new session. */
  const signedIn = useCallback(
    (info: SessionInfo) => {
      api.setCsrf(info.csrfToken);
      setSession(info);
    },
    [api],
  );

  let body: JSX.Element;
  if (!session) {
    body = error ? (
      <div class="center-page">
        <p class="notice bad" role="alert">
          {error}
        </p>
        <button type="button" onClick={() => void refresh()}>
          Try again
        </button>
      </div>
    ) : (
      <p class="boot">Loading Pochta…</p>
    );
  } else if (!session.setupDone) {
    body = <SetupWizard session={session} onDone={signedIn} />;
  } else if (!session.authenticated) {
    body = <SignInPage session={session} onSignedIn={signedIn} />;
  } else {
    body = <Frame session={session} onSignedOut={refresh} />;
  }
  return <ApiContext.Provider value={api}>{body}</ApiContext.Provider>;
}

function Frame({ session, onSignedOut }: { readonly session: SessionInfo; readonly onSignedOut: () => Promise<void> }) {
  const api = useApi();
  const fullRoute = useRoute();
  const route = fullRoute.split('?')[0] ?? '/';
  const [menuOpen, setMenuOpen] = useState(false);
  const isAdmin = session.role === 'admin';
  const entry = isAdmin ? (PAGES.find((p) => p.route === route) ?? PAGES[0]!) : undefined;

  useEffect(() => {
    setMenuOpen(false);
    document.title = `${entry?.title ?? 'My account'} · Pochta`;
    // Move focus to the new page's heading so screen readers announce it.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route, entry]);

  const signOut = async () => {
    try {
      await api.send('POST', '/api/logout');
    } catch {
      // Signed out on the box or not, the page goes back to sign-in.
    } finally {
      navigate('/');
      await onSignedOut();
    }
  };

  const Page = entry?.page ?? AccountPage;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.querySelector<HTMLElement>('main h1')?.focus()}>
        Skip to the page
      </button>
      <header class="top">
        {isAdmin ? (
          <button
            type="button"
            class="menu-button secondary small"
            aria-expanded={menuOpen}
            aria-controls="side-nav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            Menu
          </button>
        ) : null}
        <a class="brand" href={href('/')}>
          Pochta
        </a>
        <span class="who" title={session.hostname}>
          {session.username} on {session.hostname}
        </span>
        <button type="button" class="secondary small" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div class={isAdmin ? 'frame' : ''}>
        {isAdmin ? (
          <nav class={`side${menuOpen ? ' open' : ''}`} id="side-nav" aria-label="Pages">
            {SECTIONS.map((section) => (
              <div key={section.title}>
                <h2>{section.title}</h2>
                {section.pages.map((p) => (
                  <a key={p.route} href={href(p.route)} aria-current={p.route === entry?.route ? 'page' : undefined}>
                    {p.title}
                  </a>
                ))}
              </div>
            ))}
          </nav>
        ) : null}
        <main id="main" class={isAdmin ? undefined : 'narrow'}>
          <Page key={fullRoute} session={session} />
        </main>
      </div>
    </>
  );
}
