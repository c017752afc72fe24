import { describe, expect, it } from 'vitest';
import { chartGeometry, recordThroughput, type ThroughputHistory } from '../../../src/renderer/uploads/throughput.js';
import { initialTransfersState, transfersReducer } from '../../../src/renderer/uploads/transfers-state.js';
import { transfer } from '../fixtures.js';

const empty: ThroughputHistory = new Map();

describe('recordThroughput', () => {
  it('adds one sample per newer snapshot and ignores repeats and older ones', () => {
    let history = recordThroughput(empty, [transfer({ updatedAt: 1_000, bytesPerSecond: 10 })]);
    history = recordThroughput(history, [transfer({ updatedAt: 1_000, bytesPerSecond: 99 })]);
    history = recordThroughput(history, [transfer({ updatedAt: 500, bytesPerSecond: 99 })]);
    history = recordThroughput(history, [transfer({ updatedAt: 2_000, bytesPerSecond: 20 })]);
    expect(history.get('t1')).toEqual([
      { at: 1_000, bytesPerSecond: 10 },
      { at: 2_000, bytesPerSecond: 20 },
    ]);
  });

  it('counts a transfer that is not running as 0 B/s', () => {
    const history = recordThroughput(empty, [transfer({ state: 'paused', bytesPerSecond: 50 })]);
    expect(history.get('t1')).toEqual([{ at: 2_000, bytesPerSecond: 0 }]);
  });

  it('forgets samples older than the window', () => {
    let history = recordThroughput(empty, [transfer({ updatedAt: 0 })], 1_000);
    history = recordThroughput(history, [transfer({ updatedAt: 900 })], 1_000);
    history = recordThroughput(history, [transfer({ updatedAt: 1_850 })], 1_000);
    expect(history.get('t1')?.map((s) => s.at)).toEqual([900, 1_850]);
  });

  it('returns the same map when nothing is new', () => {
    const history = recordThroughput(empty, [transfer()]);
    expect(recordThroughput(history, [transfer()])).toBe(history);
  });

  it('is kept by the transfers reducer', () => {
    const listed = transfersReducer(initialTransfersState, { type: 'listed', transfers: [transfer({ updatedAt: 1 })] });
    const changed = transfersReducer(listed, { type: 'changed', transfers: [transfer({ updatedAt: 2, bytesPerSecond: 7 })] });
    expect(changed.throughput.get('t1')?.map((s) => s.bytesPerSecond)).toEqual([85_000_000, 7]);
  });
});

describe('chartGeometry', () => {
  it('places the samples over the window ending at the newest, the peak at the top', () => {
    const chart = chartGeometry(
      [
        { at: 0, bytesPerSecond: 0 },
        { at: 500, bytesPerSecond: 100 },
        { at: 1_000, bytesPerSecond: 50 },
      ],
      100,
      10,
      1_000,
    );
    expect(chart.points).toBe('0,10 50,0 100,5');
    expect(chart.peak).toBe(100);
    expect(chart.latest).toBe(50);
    expect(chart.description).toBe('Speed over the last 0 min: now 50 B/s, peak 100 B/s.');
  });

  it('a flat zero line sits on the axis', () => {
    expect(chartGeometry([{ at: 0, bytesPerSecond: 0 }, { at: 60_000, bytesPerSecond: 0 }], 300, 10).points).toBe('240,10 300,10');
  });

  it('no samples, no line', () => {
    expect(chartGeometry([], 100, 10)).toEqual({ points: '', peak: 0, latest: 0, description: 'No speed measured yet.' });
  });
});
