import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Thread } from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { navigate, onLinkClick, useRoute } from '../app/router';
import type { Problem } from '../state/problem';
import { useApp, useController } from './context';
import { Icon } from './Icons';
import { ProblemText } from './ProblemText';

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
          {problem ? (
            <p className="field-error" role="alert">
              <ProblemText problem={problem} />
            </p>
          ) : null}
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
        {list.problem ? (
          <p className="field-error" role="alert">
            <ProblemText problem={list.problem} />
          </p>
        ) : null}
      </aside>
    </>
  );
}

function ThreadItem({ thread, current, onNavigate }: { thread: Thread; current: boolean; onNavigate: () => void }) {
  const controller = useController();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(thread.title);
  const [problem, setProblem] = useState<Problem | null>(null);
  const inputId = useId();

  async function rename(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      await controller.renameThread(thread.id, title.trim());
      setEditing(false);
    } catch (e) {
      setProblem(problemFrom(e));
    }
  }

  async function toggleArchive() {
    setProblem(null);
    try {
      if (thread.archived) await controller.restoreThread(thread.id);
      else {
        await controller.archiveThread(thread.id);
        if (current) navigate({ name: 'home' });
      }
    } catch (e) {
      setProblem(problemFrom(e));
    }
  }

  if (editing) {
    return (
      <li className="thread-item editing">
        <form onSubmit={(e) => void rename(e)} className="rename-form">
          <label htmlFor={inputId} className="visually-hidden">
            New title
          </label>
          <input
            id={inputId}
            value={title}
            maxLength={200}
            required
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setEditing(false);
            }}
          />
          <button type="submit" className="small">
            Save
          </button>
          <button type="button" className="small secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
        {problem ? (
          <p className="field-error" role="alert">
            <ProblemText problem={problem} />
          </p>
        ) : null}
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
          onClick={() => {
            setTitle(thread.title);
            setEditing(true);
          }}
        >
          <Icon name="edit" />
          <span className="visually-hidden">Rename “{thread.title}”</span>
        </button>
        <button type="button" className="icon-button" onClick={() => void toggleArchive()}>
          <Icon name={thread.archived ? 'restore' : 'archive'} />
          <span className="visually-hidden">
            {thread.archived ? 'Restore' : 'Archive'} “{thread.title}”
          </span>
        </button>
      </div>
      {problem ? (
        <p className="field-error" role="alert">
          <ProblemText problem={problem} />
        </p>
      ) : null}
    </li>
  );
}
