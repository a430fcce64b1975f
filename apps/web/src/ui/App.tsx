import { lazy, Suspense, useEffect, useState } from 'react';
import { href, onLinkClick, useRoute } from '../app/router';
import { ChatPage } from './ChatPage';
import { ConnectionBadge } from './ConnectionBadge';
import { useApp, useController } from './context';
import { Icon } from './Icons';
import { Notices } from './Notices';
import { Sidebar } from './Sidebar';
import { SignIn } from './SignIn';

// The data page brings the chart library; most visits never open it, so it loads on demand.
const DataPage = lazy(() => import('./DataPage').then((m) => ({ default: m.DataPage })));
const WatchPage = lazy(() => import('./WatchPage').then((m) => ({ default: m.WatchPage })));

export function App() {
  const session = useApp((s) => s.session);
  if (!session) return <SignIn />;
  return <Shell userId={session.userId} />;
}

function Shell({ userId }: { userId: string }) {
  const controller = useController();
  const route = useRoute();
  // On narrow screens the thread list is a drawer; it closes whenever the page changes.
  const [drawerOpen, setDrawerOpen] = useState(false);
  useEffect(() => setDrawerOpen(false), [route]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-button drawer-toggle"
          aria-expanded={drawerOpen}
          aria-controls="sidebar"
          onClick={() => setDrawerOpen((o) => !o)}
        >
          <Icon name="menu" />
          <span className="visually-hidden">Conversations</span>
        </button>
        <a className="brand" href="/" onClick={(e) => onLinkClick(e, { name: 'home' })}>
          Netra
        </a>
        <nav aria-label="Main" className="mainnav">
          <a
            href="/"
            aria-current={route.name === 'home' || route.name === 'thread' ? 'page' : undefined}
            onClick={(e) => onLinkClick(e, { name: 'home' })}
          >
            Chat
          </a>
          <a href={href({ name: 'data' })} aria-current={route.name === 'data' ? 'page' : undefined} onClick={(e) => onLinkClick(e, { name: 'data' })}>
            Data
          </a>
          <WatchLink current={route.name === 'watch'} />
        </nav>
        <ConnectionBadge />
        <div className="user">
          <span className="user-name" title={`Signed in as ${userId}`}>
            {userId}
          </span>
          <button type="button" className="link-button" onClick={() => controller.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <Notices />
      <div className="layout">
        <Sidebar open={drawerOpen} onClose={() => setDrawerOpen(false)} />
        <main id="main" className="main" tabIndex={-1}>
          {route.name === 'watch' ? (
            <Suspense fallback={<p className="page muted">Loading…</p>}>
              <WatchPage />
            </Suspense>
          ) : route.name === 'data' ? (
            <Suspense fallback={<p className="page muted">Loading…</p>}>
              <DataPage />
            </Suspense>
          ) : route.name === 'not_found' ? (
            <section className="page">
              <h1>Page not found</h1>
              <p>
                There is nothing at <code>{route.path}</code>.{' '}
                <a href="/" onClick={(e) => onLinkClick(e, { name: 'home' })}>
                  Back to the chat
                </a>
              </p>
            </section>
          ) : (
            <ChatPage threadId={route.name === 'thread' ? route.threadId : null} />
          )}
        </main>
      </div>
    </div>
  );
}

/** "Watch" in the main navigation, with the count of alerts pushed since they were last looked at. */
function WatchLink({ current }: { current: boolean }) {
  const unseen = useApp((s) => s.unseenAlerts);
  return (
    <a href={href({ name: 'watch' })} aria-current={current ? 'page' : undefined} onClick={(e) => onLinkClick(e, { name: 'watch' })}>
      Watch
      {unseen > 0 ? (
        <span className="badge" data-testid="alert-badge" aria-label={`${unseen} new alert${unseen === 1 ? '' : 's'}`}>
          {unseen}
        </span>
      ) : null}
    </a>
  );
}
