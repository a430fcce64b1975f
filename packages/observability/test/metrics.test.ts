import { metrics, registry } from '@netra/observability';

describe('tallied counters (netra_ws_frames_total)', () => {
  const sample = async (direction: string, type: string): Promise<number | undefined> => {
    const text = await registry.getSingleMetricAsString('netra_ws_frames_total');
    const match = new RegExp(`^netra_ws_frames_total\\{[^}]*direction="${direction}"[^}]*type="${type}"[^}]*\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };

  it('a scrape reads every count made before it, once', async () => {
    const pings = metrics.wsFrames.tally({ direction: 'in', type: 'tally_test' });
    expect(metrics.wsFrames.tally({ direction: 'in', type: 'tally_test' })).toBe(pings);
    expect(await sample('in', 'tally_test')).toBeUndefined();
    pings.n += 3;
    expect(await sample('in', 'tally_test')).toBe(3);
    // Folded into the counter: a second scrape without new counts reads the same total, not 6 or 0.
    expect(await sample('in', 'tally_test')).toBe(3);
    pings.n += 2;
    metrics.wsFrames.tally({ direction: 'out', type: 'tally_test' }).n += 1;
    expect(await sample('in', 'tally_test')).toBe(5);
    expect(await sample('out', 'tally_test')).toBe(1);
  });
});
