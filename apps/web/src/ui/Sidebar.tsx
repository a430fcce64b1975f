import { useEffect, useId, useRef, useState } from 'react';
import type { Thread } from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { navigate, onLinkClick, useRoute } from '../app/router';
import type { Problem } from '../state/problem';
import { useAction, useApp, useController } from './context';
import { Icon } from './Icons';
import { Alert } from './ProblemText';
import { RenameForm } from './RenameForm';

/** The user's conversations: search, new, rename, archive/restore, loaded page by page as the list scrolls. */
export function Sidebar({ open, onClose }: { open: boolean; onClose: () => void }) {
  const controller = useController();
  const list = useApp((s) => s.threads);
  const route = useRoute();
  const searchId = useId();
  const [query, setQuery] = useState(list.query);
  const [problem, setProblem] = useState<Problem | null>(null);
  const sentinel = useRef<HTMLLIElement>(null);

  // Search as you type, after a pause, so each keystroke is not a request.
  useEffect(() => {
    if (query === list.query) return;
    const timer = setTimeout(() => controller.setThreadFilter(query, list.archived), 250);
    return () => clearTimeout(timer);
  }, [query, list.query, list.archived, controller]);

  // Infinite scroll: the next page loads when the end of the list comes into view.
  useEffect(() => {
    const node = sentinel.current;
    if (!node || list.complete) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void controller.loadMoreThreads();
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [controller, list.complete, list.items.length, list.generation]);

  async function newThread() {
    setProblem(null);
    try {
      const thread = await controller.createThread();
      navigate({ name: 'thread', threadId: thread.id });
      onClose();
    } catch (e) {
      setProblem(problemFrom(e));
    }
  }

  const current = route.name === 'thread' ? route.threadId : null;

  return (
    <>
      {open ? <div className="scrim" aria-hidden="true" onClick={onClose} /> : null}
      <aside id="sidebar" className={`sidebar${open ? ' open' : ''}`} aria-label="Conversations">
        <div className="sidebar-head">
          <button type="button" className="primary wide" onClick={() => void newThread()}>
            + New conversation
          </button>
          <label htmlFor={searchId} className="visually-hidden">
            Search conversations by title
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Search titles"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') controller.setThreadFilter(query, list.archived);
            }}
          />
          <label className="checkbox">
            <input type="checkbox" checked={list.archived} onChange={(e) => controller.setThreadFilter(query, e.target.checked)} />
            Show archived
          </label>
          <Alert problem={problem} />
        </div>
        <ul className="thread-list" data-testid="thread-list">
          {list.items.map((thread) => (
            <ThreadItem key={thread.id} thread={thread} current={thread.id === current} onNavigate={onClose} />
          ))}
          {!list.complete ? (
            <li ref={sentinel} className="list-footer">
              <button type="button" className="link-button" disabled={list.loading} onClick={() => void controller.loadMoreThreads()}>
                {list.loading ? 'Loading…' : 'Load more'}
              </button>
            </li>
          ) : null}
          {list.complete && list.items.length === 0 ? (
            <li className="list-footer muted">{list.query ? 'No conversation matches.' : list.archived ? 'Nothing archived.' : 'No conversations yet.'}</li>
          ) : null}
        </ul>
        <Alert problem={list.problem} />
      </aside>
    </>
  );
}

function ThreadItem({ thread, current, onNavigate }: { thread: Thread; current: boolean; onNavigate: () => void }) {
  const controller = useController();
  const [editing, setEditing] = useState(false);
  const { problem, run } = useAction();

  function toggleArchive() {
    void run(async () => {
      if (thread.archived) await controller.restoreThread(thread.id);
      else {
        await controller.archiveThread(thread.id);
        if (current) navigate({ name: 'home' });
      }
    });
  }

  if (editing) {
    return (
      <li className="thread-item editing">
        <RenameForm thread={thread} label="New title" className="rename-form" onDone={() => setEditing(false)} />
      </li>
    );
  }

  return (
    <li className={`thread-item${current ? ' current' : ''}`}>
      <a
        href={`/threads/${thread.id}`}
        aria-current={current ? 'page' : undefined}
        onClick={(e) => {
          onLinkClick(e, { name: 'thread', threadId: thread.id });
          onNavigate();
        }}
      >
        <span className="thread-title">{thread.title}</span>
        <span className="thread-date">{new Date(thread.createdAt).toLocaleDateString()}</span>
      </a>
      <div className="thread-actions">
        <button
          type="button"
          className="icon-button"
          onClick={() => setEditing(true)}
        >
          <Icon name="edit" />
          <span className="visually-hidden">Rename “{thread.title}”</span>
        </button>
        <button type="button" className="icon-button" onClick={toggleArchive}>
          <Icon name={thread.archived ? 'restore' : 'archive'} />
          <span className="visually-hidden">
            {thread.archived ? 'Restore' : 'Archive'} “{thread.title}”
          </span>
        </button>
      </div>
      <Alert problem={problem} />
    </li>
  );
}
