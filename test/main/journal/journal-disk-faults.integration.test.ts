// The journal on a real file system that fills up, or that is read-only (a small tmpfs mounted as
// root, and a read-only bind mount of it; CI runs as root, elsewhere this file is skipped and says
// why): every refusal is a JOURNAL error naming the cause, nothing committed is lost, and the same
// connection works again once space is freed (the desktop app keeps its journal open).
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewTransfer } from '../../../src/main/engine/ports.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { bindReadOnly, canMount, fillUp, mountSmallDisk } from '../../support/small-disk.js';
import { thrown } from '../../support/thrown.js';

const transfer = (id: string): NewTransfer => ({
  id,
  filePath: '/data/take-01.mov',
  fileSize: 100 * 5 * 1024 * 1024,
  fileMtimeMs: 1_700_000_000_000,
  fileIdentity: 'dev:1 ino:2',
  target: { bucket: 'film-archive', key: 'take-01.mov', endpoint: null, region: 'eu-west-1', forcePathStyle: false, kmsKeyId: null, backend: null },
  partSize: 5 * 1024 * 1024,
  partCount: 100,
  checksumType: 'FULL_OBJECT',
});

const part = (partNumber: number) => ({ partNumber, size: 5 * 1024 * 1024, etag: `"etag-${partNumber}-${'x'.repeat(200)}"`, checksum: 'AAAAAA==' });

describe.skipIf(!canMount)('the journal on a disk that fills up or turns read-only (tmpfs; needs root to mount)', () => {
  let disk: ReturnType<typeof mountSmallDisk> | undefined;
  let dir: string;
  beforeAll(() => {
    disk = mountSmallDisk('1m');
    dir = disk.path;
  });
  afterAll(() => disk?.unmount());

  it('refuses writes on a full disk as JOURNAL errors, keeps what was committed, and works again on the same connection once space is freed', () => {
    const path = join(dir, 'journal.sqlite');
    const journal = new SqliteJournal(path);
    try {
      journal.createTransfer(transfer('T1'));
      journal.setUploadId('T1', 'U1');
      journal.setState('T1', 'running');
      journal.recordPart('T1', 'U1', part(1));
      journal.recordPart('T1', 'U1', part(2));

      const filler = join(dir, 'filler');
      fillUp(filler);
      // Commits until the write-ahead log needs a page the disk no longer has.
      let full: ReturnType<typeof thrown> | null = null;
      for (let n = 3; n <= 100 && full === null; n++) {
        try {
          journal.recordPart('T1', 'U1', part(n));
        } catch {
          full = thrown(() => journal.recordPart('T1', 'U1', part(n)));
        }
      }
      expect(full, 'the full disk never refused a part').not.toBeNull();
      expect(full!.code).toBe('JOURNAL');
      expect(full!.message).toMatch(new RegExp(`^The journal at ${path} could not record part \\d+ of transfer T1: the disk is full \\(SQLITE_FULL: `));
      expect(full!.message).toContain('Free space on that disk. Everything journaled so far is kept: then run `dockside resume` to continue.');
      const committed = journal.listParts('T1').length;
      expect(committed).toBeGreaterThanOrEqual(2);
      // State changes and log lines are refused the same way, never as a raw SqliteError.
      expect(thrown(() => journal.setState('T1', 'failed')).message).toContain('could not record the new state of transfer T1 (failed): the disk is full (SQLITE_FULL');
      expect(thrown(() => journal.appendLog({ transferId: 'T1', level: 'error', type: 'transfer.failed', message: 'x'.repeat(20_000) })).code).toBe('JOURNAL');

      unlinkSync(filler);
      journal.recordPart('T1', 'U1', part(99));
      journal.setState('T1', 'paused');
      expect(journal.listParts('T1').length).toBe(committed + 1);
      expect(journal.getTransfer('T1')!.state).toBe('paused');

    } finally {
      journal.close();
    }
  });

  it('refuses to open a journal on a read-only file system, saying so (EROFS, not only SQLITE_CANTOPEN)', () => {
    const path = join(dir, 'journal-ro.sqlite');
    const journal = new SqliteJournal(path);
    journal.createTransfer(transfer('T2'));
    journal.close();
    const readOnly = bindReadOnly(dir);
    try {
      const error = thrown(() => new SqliteJournal(join(readOnly.path, 'journal-ro.sqlite')));
      expect(error.code).toBe('JOURNAL');
      expect(error.message).toContain(`The journal at ${join(readOnly.path, 'journal-ro.sqlite')} could not be opened: the journal is read-only (EROFS: read-only file system`);
      expect(error.message).toContain('Check that the disk is not mounted read-only');
    } finally {
      readOnly.unmount();
    }
    const again = new SqliteJournal(path);
    expect(again.getTransfer('T2')).not.toBeNull();
    again.close();
  });
});
