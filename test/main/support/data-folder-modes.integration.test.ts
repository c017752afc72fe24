// The data folder (file paths, buckets, the transfer log) is for its user's eyes only: folders
// Dockside creates are 0700 and its files 0600 under the common umask 022, and files an older
// version left 0644 are narrowed when opened. (POSIX modes; Windows relies on %APPDATA%'s ACL.)
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalPath } from '../../../src/main/engine/index.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { JsonFileSettingsStore, settingsFile } from '../../../src/main/settings/index.js';
import { saveDoctorReport } from '../../../src/main/support/doctor.js';

const root = mkdtempSync(join(tmpdir(), 'dockside-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${++n}`);
const modeOf = (path: string) => statSync(path).mode & 0o777;

let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});

describe.skipIf(process.platform === 'win32')('the data folder is private to its user', () => {
  it('a new journal: its folder (and the parents created for it) 0700, journal.sqlite and its -wal/-shm 0600', () => {
    const parent = fresh();
    const home = join(parent, 'Dockside');
    const journal = new SqliteJournal(journalPath(home));
    try {
      journal.appendLog({ transferId: null, level: 'info', type: 'test', message: 'a line of the transfer log' });
      expect(modeOf(parent).toString(8)).toBe('700');
      expect(modeOf(home).toString(8)).toBe('700');
      for (const file of ['journal.sqlite', 'journal.sqlite-wal', 'journal.sqlite-shm']) expect([file, modeOf(join(home, file)).toString(8)]).toEqual([file, '600']);
    } finally {
      journal.close();
    }
  });

  it("an older version's 0644 journal and -wal are narrowed to 0600 when opened; an existing folder keeps its mode (it may be the user's home)", () => {
    const home = fresh();
    const first = new SqliteJournal(journalPath(home));
    first.appendLog({ transferId: null, level: 'info', type: 'test', message: 'written by an older version' });
    first.close();
    chmodSync(home, 0o755);
    writeFileSync(`${journalPath(home)}-wal`, '');
    for (const file of [journalPath(home), `${journalPath(home)}-wal`]) chmodSync(file, 0o644);
    const again = new SqliteJournal(journalPath(home));
    try {
      expect(modeOf(journalPath(home)).toString(8)).toBe('600');
      expect(modeOf(`${journalPath(home)}-wal`).toString(8)).toBe('600');
      expect(modeOf(home).toString(8)).toBe('755');
      expect(again.queryLog({ limit: 10 }).map((entry) => entry.message)).toContain('written by an older version');
    } finally {
      again.close();
    }
  });

  it('the doctor report and the settings file: 0600 in a 0700 folder', async () => {
    const home = fresh();
    const report = saveDoctorReport({ at: 0, checks: [] }, home);
    expect(modeOf(home).toString(8)).toBe('700');
    expect(modeOf(report).toString(8)).toBe('600');
    const other = fresh();
    await new JsonFileSettingsStore(settingsFile(other)).write({ concurrency: 3 });
    expect(modeOf(other).toString(8)).toBe('700');
    expect(modeOf(settingsFile(other)).toString(8)).toBe('600');
  });
});
