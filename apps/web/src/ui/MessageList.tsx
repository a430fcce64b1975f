import { useEffect, useLayoutEffect, useRef } from 'react';
import { answerOf, type ChatMessage, type ThreadChat } from '../state/thread';
import { useApp, useController } from './context';
import { Alert, ProblemText } from './ProblemText';
import { ReportView } from './ReportView';
import { RunProgress } from './RunProgress';

/**
 * The conversation: each question, then its run's progress (while this tab knows it), then its answer (the
 * report). Older history loads on demand at the top, keeping the reader's place.
 */
export function MessageList({ threadId }: { threadId: string }) {
  const controller = useController();
  const chat = useApp((s) => s.chats[threadId]);
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  const answers = useRef<number | null>(null);
  const answerCount = chat?.messages.filter((m) => m.role === 'assistant').length ?? 0;

  // Keep the view pinned to the newest content unless the reader scrolled up.
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const newAnswer = answers.current !== null && answerCount > answers.current;
    answers.current = answerCount;
    if (heightBefore.current !== null) {
      // Older messages were added above: keep what the reader was looking at in place.
      el.scrollTop += el.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (newAnswer && stickToBottom.current) {
      // A report just arrived: show its beginning, not its end.
      const reports = el.querySelectorAll('[data-testid="report"]');
      reports[reports.length - 1]?.scrollIntoView({ block: 'start' });
      stickToBottom.current = false;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const canLoadOlder = chat !== undefined && chat.history.loaded && !chat.history.complete;
  const loadOlder = () => {
    if (!chat || chat.history.loading) return;
    heightBefore.current = scroller.current?.scrollHeight ?? null;
    void controller.loadHistory(threadId);
  };

  useEffect(() => {
    const node = top.current;
    if (!node || !canLoadOlder) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadOlder();
    });
    observer.observe(node);
    return () => observer.disconnect();
  });

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
      <div ref={top} />
      {canLoadOlder ? (
        <button type="button" className="link-button load-older" disabled={chat.history.loading} onClick={loadOlder}>
          {chat.history.loading ? 'Loading…' : 'Load older messages'}
        </button>
      ) : null}
      {/* Only while there is nothing to show yet: messages already on screen (sent, or live) need no such line. */}
      {chat?.history.loading && !chat.history.loaded && chat.messages.length === 0 ? <p className="muted center">Loading the conversation…</p> : null}
      <Alert problem={chat?.history.problem} kind="callout" />
      {chat ? <Items chat={chat} /> : null}
    </div>
  );
}

function Items({ chat }: { chat: ThreadChat }) {
  const answered = new Set<string>();
  for (const m of chat.messages) if (m.role === 'user' && m.runId) answered.add(m.runId);
  return (
    <ol className="message-items">
      {chat.messages.map((m) => {
        if (m.role === 'assistant') {
          // An answer is shown under its question; only one whose question is not loaded stands alone.
          if (m.runId && answered.has(m.runId)) return null;
          return (
            <li key={m.key} className="turn">
              <Answer message={m} />
            </li>
          );
        }
        const run = m.runId ? chat.runs[m.runId] : undefined;
        const answer = m.runId ? answerOf(chat, m.runId) : undefined;
        return (
          <li key={m.key} className="turn">
            <UserMessage threadId={chat.threadId} message={m} />
            {run && (!answer || run.seen.length > 0) ? <RunProgress threadId={chat.threadId} run={run} /> : null}
            {answer ? <Answer message={answer} /> : null}
          </li>
        );
      })}
    </ol>
  );
}

function UserMessage({ threadId, message }: { threadId: string; message: ChatMessage }) {
  const controller = useController();
  return (
    <div className={`bubble user delivery-${message.delivery}`} data-testid="user-message">
      <p className="bubble-text">{message.content}</p>
      <p className="bubble-meta">
        {message.delivery === 'sending' ? (
          <span role="status">Sending…</span>
        ) : message.delivery === 'failed' ? (
          <span>Not sent</span>
        ) : (
          <time dateTime={message.createdAt}>{new Date(message.createdAt).toLocaleTimeString()}</time>
        )}
      </p>
      {message.delivery === 'failed' && message.problem && message.clientMessageId ? (
        <div className="send-error" role="alert">
          <ProblemText problem={message.problem} />
          <div className="row">
            <button type="button" className="small" onClick={() => controller.resend(threadId, message.clientMessageId as string)}>
              Retry
            </button>
            <button type="button" className="small secondary" onClick={() => controller.discard(threadId, message.clientMessageId as string)}>
              Discard
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Answer({ message }: { message: ChatMessage }) {
  if (message.report) return <ReportView report={message.report} />;
  return (
    <div className="bubble assistant">
      <p className="bubble-text">{message.content}</p>
    </div>
  );
}
