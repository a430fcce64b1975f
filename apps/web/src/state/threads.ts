import type { Thread, ThreadPage } from '@netra/contracts';
import type { Problem } from './problem';

/** The sidebar: the user's threads, newest first, loaded page by page (infinite scroll) for one filter. */
export interface ThreadList {
  items: Thread[];
  query: string;
  archived: boolean;
  cursor: string | null;
  complete: boolean;
  loading: boolean;
  problem: Problem | null;
  /** Bumped when the filter changes, so a page requested for an older filter is dropped when it arrives. */
  generation: number;
}

export type ThreadListAction =
  | { type: 'filter'; query: string; archived: boolean }
  | { type: 'loading' }
  | { type: 'page'; generation: number; page: ThreadPage }
  | { type: 'failed'; generation: number; problem: Problem }
  | { type: 'created'; thread: Thread }
  | { type: 'updated'; thread: Thread };

export const emptyThreadList: ThreadList = {
  items: [],
  query: '',
  archived: false,
  cursor: null,
  complete: false,
  loading: false,
  problem: null,
  generation: 0,
};

function matches(list: ThreadList, thread: Thread): boolean {
  if (thread.archived !== list.archived) return false;
  const q = list.query.trim().toLowerCase();
  return q === '' || thread.title.toLowerCase().includes(q);
}

export function threadListReducer(list: ThreadList, action: ThreadListAction): ThreadList {
  switch (action.type) {
    case 'filter':
      if (action.query === list.query && action.archived === list.archived) return list;
      return { ...emptyThreadList, query: action.query, archived: action.archived, generation: list.generation + 1 };
    case 'loading':
      return { ...list, loading: true, problem: null };
    case 'page': {
      if (action.generation !== list.generation) return list;
      const known = new Set(list.items.map((t) => t.id));
      const fresh = action.page.data.filter((t) => !known.has(t.id));
      return {
        ...list,
        items: [...list.items, ...fresh],
        cursor: action.page.nextCursor,
        complete: action.page.nextCursor === null,
        loading: false,
        problem: null,
      };
    }
    case 'failed':
      if (action.generation !== list.generation) return list;
      return { ...list, loading: false, problem: action.problem };
    case 'created':
      if (!matches(list, action.thread) || list.items.some((t) => t.id === action.thread.id)) return list;
      return { ...list, items: [action.thread, ...list.items] };
    case 'updated': {
      const present = list.items.some((t) => t.id === action.thread.id);
      if (!matches(list, action.thread)) {
        return present ? { ...list, items: list.items.filter((t) => t.id !== action.thread.id) } : list;
      }
      if (present) return { ...list, items: list.items.map((t) => (t.id === action.thread.id ? action.thread : t)) };
      // Back in this filter (e.g. un-archived while viewing active threads): put it where its creation date says.
      const items = [...list.items, action.thread].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
      return { ...list, items };
    }
  }
}
