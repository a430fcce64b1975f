import { useApp, useController } from './context';
import { Icon } from './Icons';
import { ProblemText } from './ProblemText';

/** Errors that belong to no particular message (a refused frame, a server-side failure), dismissible. */
export function Notices() {
  const controller = useController();
  const notices = useApp((s) => s.notices);
  return (
    <div className="notices" role="alert" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className="notice">
          <ProblemText problem={n.problem} />
          <button type="button" className="icon-button" onClick={() => controller.dismiss(n.id)}>
            <Icon name="close" />
            <span className="visually-hidden">Dismiss</span>
          </button>
        </div>
      ))}
    </div>
  );
}
