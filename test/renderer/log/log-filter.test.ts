import { describe, expect, it } from 'vitest';
import { emptyLogFilter, filterLog, mergeLog, transferIdsInLog, type LogFilter } from '../../../src/renderer/log/log-filter.js';
import { logEntry } from '../fixtures.js';

const entries = [
  logEntry({ id: 1, transferId: 't1', at: 100, level: 'debug', type: 'part.start', message: 'Part 1 started' }),
  logEntry({ id: 2, transferId: 't1', at: 200, level: 'info', type: 'part.done', message: 'Part 1 sent' }),
  logEntry({ id: 3, transferId: 't2', at: 300, level: 'warn', type: 'retry', message: 'Network dropped, retrying', data: { attempt: 2, host: 'dock.example' } }),
  logEntry({ id: 4, transferId: null, at: 400, level: 'error', type: 'auth', message: 'Sign-in expired' }),
];

describe('filterLog', () => {
  it.each<[string, Partial<LogFilter>, number[]]>([
    ['no filter', {}, [1, 2, 3, 4]],
    ['by transfer', { transferId: 't1' }, [1, 2]],
    ['warn and worse', { minLevel: 'warn' }, [3, 4]],
    ['error only', { minLevel: 'error' }, [4]],
    ['since (inclusive)', { since: 200 }, [2, 3, 4]],
    ['until (inclusive)', { until: 200 }, [1, 2]],
    ['time window', { since: 150, until: 350 }, [2, 3]],
    ['search the message, any case', { search: 'PART 1' }, [1, 2]],
    ['search words must all match', { search: 'part sent' }, [2]],
    ['search the type', { search: 'retry' }, [3]],
    ['search the data', { search: 'dock.example' }, [3]],
    ['search the transfer id', { search: 't2' }, [3]],
    ['blank search matches all', { search: '   ' }, [1, 2, 3, 4]],
    ['combined', { transferId: 't1', minLevel: 'info', search: 'sent' }, [2]],
    ['nothing matches', { search: 'zebra' }, []],
  ])('%s', (_name, filter, expected) => {
    expect(filterLog(entries, { ...emptyLogFilter, ...filter }).map((e) => e.id)).toEqual(expected);
  });
});

describe('mergeLog', () => {
  it('keeps one entry per id, in id order', () => {
    const merged = mergeLog([logEntry({ id: 3 }), logEntry({ id: 1 })], [logEntry({ id: 2 }), logEntry({ id: 3, message: 'new' })]);
    expect(merged.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(merged[2]?.message).toBe('new');
  });

  it('keeps only the newest entries beyond the maximum', () => {
    const merged = mergeLog([], [1, 2, 3, 4, 5].map((id) => logEntry({ id })), 3);
    expect(merged.map((e) => e.id)).toEqual([3, 4, 5]);
  });
});

describe('transferIdsInLog', () => {
  it('lists each transfer once, sorted', () => {
    expect(transferIdsInLog(entries)).toEqual(['t1', 't2']);
  });
});
