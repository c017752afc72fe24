import { describe, expect, it } from 'vitest';
import { initialTransfersState, overallProgress, transfersReducer } from '../../../src/renderer/uploads/transfers-state.js';
import { transfer } from '../fixtures.js';

const ids = (state: { transfers: readonly { id: string }[] }) => state.transfers.map((t) => t.id);

describe('transfersReducer', () => {
  it('a list replaces everything, in queue order (createdAt, then id)', () => {
    const before = transfersReducer(initialTransfersState, { type: 'listed', transfers: [transfer({ id: 'old' })] });
    const after = transfersReducer(before, {
      type: 'listed',
      transfers: [transfer({ id: 'c', createdAt: 3 }), transfer({ id: 'b', createdAt: 1 }), transfer({ id: 'a', createdAt: 3 })],
    });
    expect(ids(after)).toEqual(['b', 'a', 'c']);
  });

  it('changes replace the transfers they name and keep the others', () => {
    const listed = transfersReducer(initialTransfersState, {
      type: 'listed',
      transfers: [transfer({ id: 'a', createdAt: 1 }), transfer({ id: 'b', createdAt: 2, bytesDone: 1 })],
    });
    const changed = transfersReducer(listed, {
      type: 'changed',
      transfers: [transfer({ id: 'b', createdAt: 2, bytesDone: 99, updatedAt: 3_000 }), transfer({ id: 'c', createdAt: 3 })],
    });
    expect(ids(changed)).toEqual(['a', 'b', 'c']);
    expect(changed.transfers[1]?.bytesDone).toBe(99);
  });

  it('an older snapshot never overwrites a newer one', () => {
    const listed = transfersReducer(initialTransfersState, { type: 'listed', transfers: [transfer({ bytesDone: 50, updatedAt: 5 })] });
    const stale = transfersReducer(listed, { type: 'changed', transfers: [transfer({ bytesDone: 10, updatedAt: 4 })] });
    expect(stale.transfers[0]?.bytesDone).toBe(50);
  });

  it('an empty change keeps the same state object', () => {
    expect(transfersReducer(initialTransfersState, { type: 'changed', transfers: [] })).toBe(initialTransfersState);
  });
});

describe('overallProgress', () => {
  const GB = 1_000_000_000;
  it.each([
    {
      name: 'nothing',
      transfers: [],
      expected: { count: 0, active: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: 0 },
    },
    {
      name: 'two running: speeds add up, ETA from the bytes left',
      transfers: [
        transfer({ id: 'a', size: 10 * GB, bytesDone: 4 * GB, bytesPerSecond: 50_000_000 }),
        transfer({ id: 'b', size: 10 * GB, bytesDone: 6 * GB, bytesPerSecond: 50_000_000 }),
      ],
      expected: { count: 2, active: 2, bytesDone: 10 * GB, bytesTotal: 20 * GB, bytesPerSecond: 100_000_000, etaSeconds: 100 },
    },
    {
      name: 'completed counts in full, cancelled not at all',
      transfers: [
        transfer({ id: 'a', size: 5 * GB, bytesDone: 4 * GB, state: 'completed' }),
        transfer({ id: 'b', size: 7 * GB, bytesDone: 1 * GB, state: 'cancelled' }),
      ],
      expected: { count: 1, active: 0, bytesDone: 5 * GB, bytesTotal: 5 * GB, bytesPerSecond: 0, etaSeconds: 0 },
    },
    {
      name: 'queued with nothing running: ETA unknown',
      transfers: [transfer({ state: 'queued', size: 2 * GB, bytesDone: 0, bytesPerSecond: 0 })],
      expected: { count: 1, active: 1, bytesDone: 0, bytesTotal: 2 * GB, bytesPerSecond: 0, etaSeconds: null },
    },
    {
      name: 'paused and failed count in the bar but not in the ETA or speed',
      transfers: [
        transfer({ id: 'a', state: 'paused', size: 4 * GB, bytesDone: 1 * GB, bytesPerSecond: 9 }),
        transfer({ id: 'b', state: 'failed', size: 4 * GB, bytesDone: 1 * GB }),
        transfer({ id: 'c', state: 'running', size: 2 * GB, bytesDone: 1 * GB, bytesPerSecond: 10_000_000 }),
      ],
      expected: { count: 3, active: 1, bytesDone: 3 * GB, bytesTotal: 10 * GB, bytesPerSecond: 10_000_000, etaSeconds: 100 },
    },
    {
      name: 'bytesDone beyond size is capped',
      transfers: [transfer({ size: 100, bytesDone: 150, bytesPerSecond: 1 })],
      expected: { count: 1, active: 1, bytesDone: 100, bytesTotal: 100, bytesPerSecond: 1, etaSeconds: 0 },
    },
  ])('$name', ({ transfers, expected }) => {
    expect(overallProgress(transfers)).toEqual(expected);
  });
});
