import { useEffect, useState } from 'react';
import type { Thread } from '@netra/contracts';
import { problemFrom } from '../app/controller';
import { navigate } from '../app/router';
import type { Problem } from '../state/problem';
import { activeRun } from '../state/thread';
import { Composer } from './Composer';
import { useAction, useApp, useController } from './context';
import { EXAMPLE_PROMPTS } from './examples';
import { MessageList } from './MessageList';
import { Alert } from './ProblemText';
import { RenameForm } from './RenameForm';

const DEFAULT_TITLE = 'New conversation';

export function ChatPage({ threadId }: { threadId: string | null }) {
  return threadId ? <Conversation key={threadId} threadId={threadId} /> : <Home />;
}

/** No conversation selected: start one, from scratch or from an example. */
function Home() {
  const controller = useController();
  const { busy, problem, run } = useAction();

  function start(prompt?: { label: string; text: string }) {
    void run(async () => {
      const thread = await controller.createThread(prompt?.label);
      navigate({ name: 'thread', threadId: thread.id });
      if (prompt) controller.send(thread.id, prompt.text);
    });
  }

  return (
    <section className="page home">
      <h1>Ask Netra about your LLM spend</h1>
      <p className="lead">
        Five agents (triage, data, optimization, actions, reporting) read your usage data and answer with a report: what you spend
        and where, what to change, and how much it saves. No data yet? Add some on the <a href="/data" onClick={(e) => { e.preventDefault(); navigate({ name: 'data' }); }}>Data page</a>.
      </p>
      <button type="button" className="primary" disabled={busy} onClick={() => start()}>
        Start a new conversation
      </button>
      <h2>Or start from an example</h2>
      <Examples disabled={busy} onPick={(p) => start(p)} />
      <Alert problem={problem} />
    </section>
  );
}

export function Examples({ onPick, disabled }: { onPick: (p: { label: string; text: string }) => void; disabled?: boolean }) {
  return (
    <ul className="examples" aria-label="Example questions">
      {EXAMPLE_PROMPTS.map((p) => (
        <li key={p.label}>
          <button type="button" className="example" disabled={disabled} onClick={() => onPick(p)}>
            <strong>{p.label}</strong>
            <span>{p.text}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function Conversation({ threadId }: { threadId: string }) {
  const controller = useController();
  const listed = useApp((s) => s.threads.items.find((t) => t.id === threadId));
  const chat = useApp((s) => s.chats[threadId]);
  const [fetched, setFetched] = useState<Thread | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const thread = listed ?? fetched;

  useEffect(() => {
    controller.openThread(threadId);
  }, [controller, threadId]);

  // A thread that is not in the loaded sidebar page (deep link, search filter): fetch its title.
  useEffect(() => {
    if (listed) return;
    let live = true;
    controller.getThread(threadId).then(
      (t) => live && setFetched(t),
      (e: unknown) => live && setProblem(problemFrom(e)),
    );
    return () => {
      live = false;
    };
  }, [controller, threadId, listed]);

  function send(text: string) {
    controller.send(threadId, text);
    // Name a fresh conversation after its first question, so the sidebar says what it is about.
    if (thread && thread.title === DEFAULT_TITLE && (chat?.messages.length ?? 0) === 0) {
      void controller.renameThread(threadId, titleFrom(text)).then(setFetched, () => undefined);
    }
  }

  const running = chat ? activeRun(chat) : undefined;
  const empty = chat !== undefined && chat.history.loaded && chat.messages.length === 0;
  // Unknown (or someone else's) conversation: the title fetch and the history both say so; one view says it once.
  const missing = !listed && (problem?.code === 'not_found' || chat?.history.problem?.code === 'not_found');

  if (missing) {
    return (
      <section className="conversation" aria-labelledby="conversation-title" data-testid="thread-not-found">
        <header className="conversation-head">
          <ThreadTitle threadId={threadId} title="Conversation not found" onRenamed={setFetched} disabled />
        </header>
        <p className="callout callout-warn" role="alert">
          There is no conversation at this address, or it belongs to someone else.{' '}
          <a href="/" onClick={(e) => { e.preventDefault(); navigate({ name: 'home' }); }}>
            Start a new one
          </a>{' '}
          or pick one from the list.
        </p>
        <Composer onSend={() => undefined} busy={false} disabled />
      </section>
    );
  }

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-head">
        <ThreadTitle threadId={threadId} title={thread?.title ?? ''} onRenamed={setFetched} />
        {thread?.archived ? <span className="badge">Archived</span> : null}
      </header>
      {thread ? null : <Alert problem={problem} kind="callout" />}
      <MessageList threadId={threadId} />
      {empty ? (
        <div className="empty-thread">
          <h2>Try one of these</h2>
          <Examples onPick={(p) => send(p.text)} />
        </div>
      ) : null}
      <Composer onSend={send} busy={running !== undefined} />
    </section>
  );
}

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || DEFAULT_TITLE;
}

function ThreadTitle({ threadId, title, onRenamed, disabled = false }: { threadId: string; title: string; onRenamed: (t: Thread) => void; disabled?: boolean }) {
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <div className="title-edit">
        <h1 id="conversation-title" className="visually-hidden">
          {title}
        </h1>
        <RenameForm
          thread={{ id: threadId, title }}
          label="Conversation title"
          className="title-row"
          onDone={(renamed) => {
            if (renamed) onRenamed(renamed);
            setEditing(false);
          }}
        />
      </div>
    );
  }
  return (
    <div className="title-row">
      <h1 id="conversation-title">{title || 'Conversation'}</h1>
      <button type="button" className="small secondary" disabled={disabled} onClick={() => setEditing(true)}>
        Rename
      </button>
    </div>
  );
}
