import { randomUUID } from 'node:crypto';
import type { Thread } from '@netra/contracts';
import { emptyThreadList, threadListReducer, type ThreadList, type ThreadListAction } from '../src/state/threads';

function thread(title: string, createdAt: string, archived = false): Thread {
  return { id: randomUUID(), title, archived, createdAt, updatedAt: createdAt };
}

function apply(list: ThreadList, ...actions: ThreadListAction[]): ThreadList {
  return actions.reduce(threadListReducer, list);
}

describe('the thread list reducer', () => {
  const a = thread('Cost review', '2025-01-03T00:00:00.000Z');
  const b = thread('Latency', '2025-01-02T00:00:00.000Z');
  const c = thread('Cache audit', '2025-01-01T00:00:00.000Z');

  it('appends pages, de-duplicated, until there is no next cursor', () => {
    const list = apply(
      emptyThreadList,
      { type: 'loading' },
      { type: 'page', generation: 0, page: { data: [a, b], nextCursor: 'x' } },
      { type: 'page', generation: 0, page: { data: [b, c], nextCursor: null } },
    );
    expect(list.items.map((t) => t.title)).toEqual(['Cost review', 'Latency', 'Cache audit']);
    expect(list).toMatchObject({ complete: true, loading: false });
  });

  it('drops a page that was asked for an older search', () => {
    const list = apply(emptyThreadList, { type: 'loading' }, { type: 'filter', query: 'cache', archived: false }, { type: 'page', generation: 0, page: { data: [a, b], nextCursor: null } });
    expect(list.items).toEqual([]);
    expect(list.generation).toBe(1);
  });

  it('puts a new thread on top, renames in place, and removes an archived one from the active list', () => {
    const d = thread('New conversation', '2025-01-04T00:00:00.000Z');
    let list = apply(emptyThreadList, { type: 'page', generation: 0, page: { data: [a, b], nextCursor: null } }, { type: 'created', thread: d });
    expect(list.items[0]?.id).toBe(d.id);
    list = apply(list, { type: 'updated', thread: { ...d, title: 'Renamed' } });
    expect(list.items[0]?.title).toBe('Renamed');
    list = apply(list, { type: 'updated', thread: { ...a, archived: true } });
    expect(list.items.map((t) => t.id)).toEqual([d.id, b.id]);
    // Restored: back in its place by creation date.
    list = apply(list, { type: 'updated', thread: a });
    expect(list.items.map((t) => t.id)).toEqual([d.id, a.id, b.id]);
  });

  it('does not show a new thread that does not match the search', () => {
    const list = apply(emptyThreadList, { type: 'filter', query: 'latency', archived: false }, { type: 'created', thread: thread('Cost', '2025-01-05T00:00:00.000Z') });
    expect(list.items).toEqual([]);
  });
});
