import { useApp, useController, useNow } from './context';

const LABEL = {
  idle: 'Offline',
  connecting: 'Connecting…',
  open: 'Live',
  waiting: 'Reconnecting',
  signed_out: 'Signed out',
} as const;

/** Always-visible state of the socket: live, connecting, or waiting to reconnect (with the countdown). */
export function ConnectionBadge() {
  const controller = useController();
  const connection = useApp((s) => s.connection);
  const now = useNow(connection.status === 'waiting');
  const seconds = connection.retryAt === null ? 0 : Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
  return (
    <div className={`connection connection-${connection.status}`} role="status" aria-live="polite" data-testid="connection">
      <span className="dot" aria-hidden="true" />
      <span className="connection-label">
        {LABEL[connection.status]}
        {connection.status === 'waiting' ? ` in ${seconds} s` : ''}
      </span>
      {connection.status === 'waiting' ? (
        <button type="button" className="link-button" onClick={() => controller.reconnectNow()}>
          Retry now
        </button>
      ) : null}
      {connection.status === 'waiting' && connection.problem ? <span className="visually-hidden">{connection.problem.message}</span> : null}
    </div>
  );
}
