// Pages live behind the URL hash (#/users), so the box's server needs no
// fallback route for deep links and a reload stays on the same page.

import { useEffect, useState } from 'preact/hooks';

function hashPath(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash.startsWith('/') ? hash : '/';
}

/** The page part of the hash, without its ?query. */
export function currentRoute(): string {
  return hashPath().split('?')[0] ?? '/';
}

/** A ?name=value parameter of the hash (#/dns?domain=example.com). */
export function routeParam(name: string): string | undefined {
  const query = hashPath().split('?')[1];
  return query ? (new URLSearchParams(query).get(name) ?? undefined) : undefined;
}

/** The current hash route with its query ('/', '/users', '/dns?domain=x'), updated on navigation. */
export function useRoute(): string {
  const [route, setRoute] = useState(hashPath);
  useEffect(() => {
    const update = () => setRoute(hashPath());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(route: string): void {
  if (hashPath() !== route) window.location.hash = route;
}

export function href(route: string): string {
  return `#${route}`;
}
