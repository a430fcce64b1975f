import { randomUUID } from 'node:crypto';
import { NotificationFrame, ServerFrame, type Alert } from '@netra/contracts';
import { appReducer, initialState, type AppAction, type AppState } from '../src/state/app';

const session = { userId: 'alice', token: 't', expiresAt: null, method: 'dev' as const };

function apply(state: AppState, ...actions: AppAction[]): AppState {
  return actions.reduce(appReducer, state);
}

function alert(n: number): Alert {
  return { id: randomUUID(), kind: 'budget.threshold_crossed', budgetId: randomUUID(), message: `alert ${n}`, data: { threshold: 0.5 }, createdAt: new Date(1_780_000_000_000 + n).toISOString() };
}

describe('pushed alerts', () => {
  it('are valid server frames', () => {
    const frame = { type: 'notification', alert: alert(1) };
    expect(ServerFrame.parse(frame)).toEqual(NotificationFrame.parse(frame));
  });

  it('are kept newest first and counted until seen; signing out forgets them', () => {
    const frames = [1, 2, 3].map((n) => ({ type: 'frame' as const, frame: { type: 'notification' as const, alert: alert(n) } }));
    const state = apply(initialState, { type: 'signed_in', session }, ...frames);
    expect(state.alerts.map((a) => a.message)).toEqual(['alert 3', 'alert 2', 'alert 1']);
    expect(state.unseenAlerts).toBe(3);
    const seen = appReducer(state, { type: 'alerts_seen' });
    expect(seen.unseenAlerts).toBe(0);
    expect(seen.alerts).toHaveLength(3);
    // Nothing to clear: the same state object (no re-render).
    expect(appReducer(seen, { type: 'alerts_seen' })).toBe(seen);
    expect(apply(seen, { type: 'signed_out', problem: null }).alerts).toEqual([]);
  });

  it('keep at most 50', () => {
    const frames = Array.from({ length: 60 }, (_, n) => ({ type: 'frame' as const, frame: { type: 'notification' as const, alert: alert(n) } }));
    const state = apply(initialState, { type: 'signed_in', session }, ...frames);
    expect(state.alerts).toHaveLength(50);
    expect(state.alerts[0]!.message).toBe('alert 59');
    expect(state.unseenAlerts).toBe(60);
  });
});
