import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { problemFrom, type Controller } from '../app/controller';
import { useAppState } from '../app/store';
import type { AppState } from '../state/app';
import type { Problem } from '../state/problem';

export const ControllerContext = createContext<Controller | null>(null);

export function useController(): Controller {
  const controller = useContext(ControllerContext);
  if (!controller) throw new Error('ControllerContext is missing');
  return controller;
}

export function useApp<T>(select: (s: AppState) => T): T {
  return useAppState(useController().store, select);
}

/** The current time, refreshed every `intervalMs` while `active` (live durations, retry countdowns). */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

/** A user action that calls the server: whether it is in progress, and why it failed if it did. */
export function useAction(): { busy: boolean; problem: Problem | null; run: (action: () => Promise<unknown>) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      return true;
    } catch (error) {
      setProblem(problemFrom(error));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, run };
}
