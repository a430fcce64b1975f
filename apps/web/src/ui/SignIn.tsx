import { useEffect, useId, useState, type FormEvent } from 'react';
import { useAction, useApp, useController } from './context';
import { Alert } from './ProblemText';
import { ApiError } from '../api/http';
import { problem, type Problem } from '../state/problem';

/**
 * Development: "sign in as" any user id (the gateway's dev-token endpoint, on unless NODE_ENV=production).
 * Production: paste a bearer token (JWT) issued by the team's identity provider for this gateway.
 */
export function SignIn() {
  const controller = useController();
  const reason = useApp((s) => s.signInProblem);
  const [devAvailable, setDevAvailable] = useState<boolean | null>(null);
  const [mode, setMode] = useState<'dev' | 'token'>('dev');
  const [unreachable, setUnreachable] = useState<Problem | null>(null);

  useEffect(() => {
    let live = true;
    controller.devLoginAvailable().then(
      (available) => {
        if (!live) return;
        setDevAvailable(available);
        if (!available) setMode('token');
      },
      (error: unknown) => {
        if (!live) return;
        // The server could not be asked: say why, and offer the token form (which needs no such question).
        setUnreachable(error instanceof ApiError ? error.problem : problem('protocol', undefined));
        setDevAvailable(false);
        setMode('token');
      },
    );
    return () => {
      live = false;
    };
  }, [controller]);

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <h1>Netra</h1>
        <p className="lead">Find out, with numbers, how to cut the cost and latency of your LLM workloads.</p>
        <Alert problem={reason} kind="callout" />
        <Alert problem={unreachable} kind="callout" />
        {devAvailable === null ? <p aria-live="polite">Checking how this server signs users in…</p> : null}
        {devAvailable && mode === 'dev' ? <DevForm /> : null}
        {devAvailable === false || mode === 'token' ? <TokenForm /> : null}
        {devAvailable ? (
          <p className="switch-mode">
            {mode === 'dev' ? (
              <button type="button" className="link-button" onClick={() => setMode('token')}>
                Sign in with a bearer token instead
              </button>
            ) : (
              <button type="button" className="link-button" onClick={() => setMode('dev')}>
                Use development sign-in instead
              </button>
            )}
          </p>
        ) : null}
      </div>
    </main>
  );
}

function DevForm() {
  const controller = useController();
  const id = useId();
  const [userId, setUserId] = useState('');
  const { busy, problem: error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(() => controller.signInDev(userId));
  }

  return (
    <form onSubmit={submit} aria-describedby={`${id}-help`} data-testid="dev-signin">
      <h2>Development sign-in</h2>
      <p id={`${id}-help`} className="help">
        This server lets you sign in under whichever user id you type (AUTH_DEV_LOGIN). Each user id has its own conversations and data.
      </p>
      <label htmlFor={`${id}-user`}>Sign in as</label>
      <input
        id={`${id}-user`}
        name="userId"
        autoComplete="username"
        required
        maxLength={128}
        pattern="[A-Za-z0-9._@:\-]+"
        title="Letters, digits and . _ @ : -"
        placeholder="e.g. alice"
        value={userId}
        onChange={(e) => setUserId(e.target.value)}
      />
      <Alert problem={error} />
      <button type="submit" className="primary" disabled={busy || userId.trim() === ''}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function TokenForm() {
  const controller = useController();
  const id = useId();
  const [token, setToken] = useState('');
  const { busy, problem: error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(() => controller.signInToken(token));
  }

  return (
    <form onSubmit={submit} data-testid="token-signin">
      <h2>Sign in with a token</h2>
      <p id={`${id}-help`} className="help">
        Paste the bearer token (a JWT) your identity provider issues for Netra. It is kept only in this browser tab and
        is forgotten when you sign out or close the tab.
      </p>
      <label htmlFor={`${id}-token`}>Bearer token</label>
      <textarea
        id={`${id}-token`}
        name="token"
        required
        rows={4}
        spellCheck={false}
        autoComplete="off"
        aria-describedby={`${id}-help`}
        value={token}
        onChange={(e) => setToken(e.target.value)}
      />
      <Alert problem={error} />
      <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}
