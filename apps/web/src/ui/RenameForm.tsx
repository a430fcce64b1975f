import { useId, useState, type FormEvent } from 'react';
import type { Thread } from '@netra/contracts';
import { useAction, useController } from './context';
import { Alert } from './ProblemText';

/** Renames a conversation in place (sidebar and conversation header): Enter saves, Escape cancels. */
export function RenameForm({
  thread,
  label,
  className,
  onDone,
}: {
  thread: Pick<Thread, 'id' | 'title'>;
  label: string;
  className: string;
  onDone: (renamed: Thread | null) => void;
}) {
  const controller = useController();
  const id = useId();
  const [title, setTitle] = useState(thread.title);
  const { busy, problem, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => onDone(await controller.renameThread(thread.id, title.trim())));
  }

  return (
    <>
      <form onSubmit={submit} className={className}>
        <label htmlFor={id} className="visually-hidden">
          {label}
        </label>
        <input
          id={id}
          value={title}
          maxLength={200}
          required
          autoFocus
          onChange={(e) => setTitle(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onDone(null);
          }}
        />
        <button type="submit" className="small" disabled={busy}>
          Save
        </button>
        <button type="button" className="small secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </form>
      <Alert problem={problem} />
    </>
  );
}
