import { createContext, useContext, useEffect, useState } from 'react';
import type { Controller } from '../app/controller';
import { useAppState } from '../app/store';
import type { AppState } from '../state/app';

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
