import { useSyncExternalStore } from 'react';

/** The app's pages. Real paths (not #hashes), served by the gateway's SPA fallback on reload or deep link. */
export type Route = { name: 'home' } | { name: 'thread'; threadId: string } | { name: 'data' } | { name: 'watch' } | { name: 'not_found'; path: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/data') return { name: 'data' };
  if (path === '/watch') return { name: 'watch' };
  const thread = /^\/threads\/([^/]+)$/.exec(path);
  if (thread?.[1] && UUID.test(thread[1])) return { name: 'thread', threadId: thread[1].toLowerCase() };
  return { name: 'not_found', path };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/';
    case 'data':
      return '/data';
    case 'watch':
      return '/watch';
    case 'thread':
      return `/threads/${route.threadId}`;
    case 'not_found':
      return route.path;
  }
}

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Route = parseRoute(window.location.pathname);

window.addEventListener('popstate', () => {
  current = parseRoute(window.location.pathname);
  for (const l of listeners) l();
});

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const url = href(route);
  if (url !== window.location.pathname) {
    if (options.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  }
  current = parseRoute(window.location.pathname);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

/** A plain left click on a link navigates in-app; modified clicks (new tab…) keep the browser's behaviour. */
export function onLinkClick(event: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; preventDefault(): void }, route: Route): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(route);
}
