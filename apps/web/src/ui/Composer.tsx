import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useApp } from './context';

const MAX = 32_000;

/**
 * The message box: Enter sends, Shift+Enter starts a new line. Messages queue behind a run in flight. `disabled`:
 * there is nothing to send to (an unknown conversation).
 */
export function Composer({ onSend, busy, disabled = false }: { onSend: (text: string) => void; busy: boolean; disabled?: boolean }) {
  const [text, setText] = useState('');
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const connected = useApp((s) => s.connection.status === 'open');
  const trimmed = text.trim();
  const tooLong = text.length > MAX;

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (disabled || trimmed === '' || tooLong) return;
    onSend(text);
    setText('');
    ref.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a message">
      <label htmlFor={id} className="visually-hidden">
        Your question
      </label>
      <textarea
        id={id}
        ref={ref}
        rows={2}
        placeholder={busy ? 'Ask a follow-up (it runs after the current one)…' : 'Ask about your LLM cost, latency or models…'}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={`${id}-hint`}
        aria-invalid={tooLong}
      />
      <div className="composer-foot">
        <span id={`${id}-hint`} className="muted small-text">
          {tooLong
            ? `Too long: ${text.length.toLocaleString()} of ${MAX.toLocaleString()} characters.`
            : connected
              ? 'Enter to send, Shift+Enter for a new line.'
              : 'Not connected: your message will be sent when the connection is back.'}
        </span>
        <button type="submit" className="primary" disabled={disabled || trimmed === '' || tooLong}>
          Send
        </button>
      </div>
    </form>
  );
}
