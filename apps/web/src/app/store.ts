import { useSyncExternalStore } from 'react';
import { appReducer, initialState, type AppAction, type AppState } from '../state/app';

type Listener = () => void;

/** The one state container: the pure `appReducer` plus subscribers. Effects live in the controller. */
export class Store {
  private state: AppState = initialState;
  private readonly listeners = new Set<Listener>();

  getState = (): AppState => this.state;

  dispatch = (action: AppAction): void => {
    const next = appReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** Re-renders when the selected slice changes (selectors must return existing objects, not new ones). */
export function useAppState<T>(store: Store, select: (s: AppState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
