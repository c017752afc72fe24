import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { applyLogRetention, DEFAULT_LOG_RETENTION_DAYS } from '../../../src/main/support/log-retention.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let t: number;
let journal: SqliteJournal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-retention-'));
  t = 1_700_000_000_000;
  journal = new SqliteJournal(join(dir, 'journal.sqlite'), { now: () => t });
});

afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function addTransfer(id: string): void {
  journal.createTransfer({
    id,
    filePath: `/media/${id}.mov`,
    fileSize: 10,
    fileMtimeMs: 1,
    fileIdentity: '10:1:1:1',
    target: { bucket: 'dock', key: `${id}.mov`, endpoint: null, region: 'eu-west-1', forcePathStyle: false },
    partSize: 5 * 1024 * 1024,
    partCount: 1,
    checksumType: 'FULL_OBJECT',
  });
}

describe('applyLogRetention', () => {
  it('drops entries older than the period except unfinished transfers, and says so in the log', () => {
    addTransfer('finished');
    journal.setState('finished', 'completed');
    addTransfer('stuck');
    journal.setState('stuck', 'failed', { code: 'ACCESS_DENIED', message: 'Access denied.', retryable: false });
    journal.appendLog({ transferId: null, level: 'info', type: 'app.started', message: 'old start' });
    t += 31 * DAY;
    journal.appendLog({ transferId: 'finished', level: 'info', type: 'recent', message: 'recent' });

    const result = applyLogRetention(journal, 30, t);

    expect(result).toEqual({ deleted: 2, cutoff: t - 30 * DAY, error: null });
    expect(journal.queryLog().map((e) => `${e.transferId ?? '-'}:${e.type}`)).toEqual(['stuck:transfer.created', 'finished:recent', '-:log.pruned']);
    expect(journal.queryLog().at(-1)!.message).toMatch(/^Removed 2 log entries older than 30 days \(before 2023-\d\d-\d\dT.*\); entries of unfinished transfers are kept\.$/);
  });

  it('writes nothing when nothing was old, keeps everything with null, and uses 90 days by default', () => {
    addTransfer('a');
    journal.setState('a', 'cancelled');
    expect(applyLogRetention(journal, 30, t + DAY).deleted).toBe(0);
    expect(applyLogRetention(journal, null, t + 1000 * DAY)).toEqual({ deleted: 0, cutoff: null, error: null });
    expect(applyLogRetention(journal, undefined, t + 89 * DAY).deleted).toBe(0);
    expect(DEFAULT_LOG_RETENTION_DAYS).toBe(90);
    expect(applyLogRetention(journal, undefined, t + 91 * DAY).deleted).toBe(1);
  });

  it('refuses a nonsensical period', () => {
    expect(() => applyLogRetention(journal, 0, t)).toThrow(DocksideError);
    expect(() => applyLogRetention(journal, Number.NaN, t)).toThrow(/positive number of days/);
  });

  it('reports a failure instead of throwing, and logs it', () => {
    const failing = {
      pruneLog: () => {
        throw new Error('database is locked');
      },
      appendLog: journal.appendLog.bind(journal),
    };
    const result = applyLogRetention(failing, 30, t);
    expect(result.error).toEqual({ code: 'JOURNAL', message: 'database is locked', retryable: false });
    expect(journal.queryLog().at(-1)).toMatchObject({ level: 'warn', type: 'log.prune-failed' });
  });
});
