import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TransferState } from '../../../src/shared/transfer-model.js';
import type { NewTransfer } from '../../../src/main/engine/ports.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let t: number;
const opened: SqliteJournal[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-prune-'));
  t = 1_700_000_000_000;
});

afterEach(() => {
  for (const journal of opened.splice(0)) journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): SqliteJournal {
  const journal = new SqliteJournal(join(dir, 'journal.sqlite'), { now: () => t });
  opened.push(journal);
  return journal;
}

function transfer(id: string): NewTransfer {
  return {
    id,
    filePath: `/media/${id}.mov`,
    fileSize: 1000,
    fileMtimeMs: 1,
    fileIdentity: '1000:1:1:1',
    target: { bucket: 'dock', key: `${id}.mov`, endpoint: null, region: 'eu-west-1', forcePathStyle: false },
    partSize: 5 * 1024 * 1024,
    partCount: 1,
    checksumType: 'FULL_OBJECT',
  };
}

const types = (journal: SqliteJournal) => journal.queryLog().map((e) => `${e.transferId ?? '-'}:${e.type}`);

describe('SqliteJournal.pruneLog', () => {
  it('deletes old entries of ended transfers and app-wide ones, keeps unfinished transfers and recent entries', () => {
    const journal = open();
    const states: Record<string, TransferState> = {
      queued: 'queued', running: 'running', paused: 'paused', completing: 'completing', failed: 'failed', completed: 'completed', cancelled: 'cancelled',
    };
    for (const [id, state] of Object.entries(states)) {
      journal.createTransfer(transfer(id)); // transfer.created, old
      if (state !== 'queued') journal.setState(id, state);
    }
    journal.appendLog({ transferId: null, level: 'info', type: 'app.old', message: 'old app-wide' });
    t += 100 * DAY;
    for (const id of Object.keys(states)) journal.appendLog({ transferId: id, level: 'info', type: 'recent', message: 'recent' });
    journal.appendLog({ transferId: null, level: 'info', type: 'app.recent', message: 'recent app-wide' });

    const deleted = journal.pruneLog(t - 90 * DAY);

    expect(deleted).toBe(3);
    expect(types(journal)).toEqual([
      'queued:transfer.created',
      'running:transfer.created',
      'paused:transfer.created',
      'completing:transfer.created',
      'failed:transfer.created',
      ...Object.keys(states).map((id) => `${id}:recent`),
      '-:app.recent',
    ]);
    // The transfers themselves are untouched: only their log is pruned.
    expect(journal.listTransfers().map((r) => r.id)).toHaveLength(7);
    expect(journal.pruneLog(t - 90 * DAY)).toBe(0);
  });

  it('keeps an entry written exactly at the cutoff, and prunes nothing in an empty journal', () => {
    const journal = open();
    expect(journal.pruneLog(t)).toBe(0);
    journal.appendLog({ transferId: null, level: 'info', type: 'at-cutoff', message: 'x' });
    expect(journal.pruneLog(t)).toBe(0);
    expect(journal.pruneLog(t + 1)).toBe(1);
  });

  it('prunes a large log quickly, in batches', () => {
    const journal = open();
    journal.createTransfer(transfer('done'));
    journal.setState('done', 'completed');
    journal.createTransfer(transfer('paused'));
    journal.setState('paused', 'paused');
    // 120,000 old entries (a third of them the paused transfer's) and 1,000 recent ones; written
    // through a second connection in one transaction so seeding stays fast.
    const db = new BetterSqlite3(join(dir, 'journal.sqlite'));
    const insert = db.prepare(`INSERT INTO events (transfer_id, at, level, type, message, data) VALUES (?, ?, 'debug', 'part.sent', 'Part sent.', NULL)`);
    db.transaction(() => {
      for (let i = 0; i < 120_000; i++) insert.run(i % 3 === 0 ? 'paused' : i % 3 === 1 ? 'done' : null, t + i);
      for (let i = 0; i < 1_000; i++) insert.run(null, t + 200 * DAY + i);
    })();
    db.close();

    const started = performance.now();
    const deleted = journal.pruneLog(t + 100 * DAY);
    const elapsed = performance.now() - started;

    // Old: 120,000 seeded + the two transfer.created entries; the paused transfer's 40,001 stay.
    expect(deleted).toBe(80_001);
    expect(journal.queryLog({ transferId: 'paused' })).toHaveLength(40_001);
    expect(journal.queryLog({ transferId: 'done' })).toHaveLength(0);
    expect(journal.queryLog({ since: t + 200 * DAY })).toHaveLength(1_000);
    expect(elapsed).toBeLessThan(5_000);
  });
});
