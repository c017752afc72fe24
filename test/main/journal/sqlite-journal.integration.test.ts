import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartRecord, TransferTarget } from '../../../src/shared/transfer-model.js';
import type { NewTransfer } from '../../../src/main/engine/ports.js';
import { MIGRATIONS, SqliteJournal, migrate, type Migration } from '../../../src/main/journal/index.js';
import { thrown } from '../../support/thrown.js';

let dir: string;
let t: number;
const now = () => t;
const opened: Array<{ close(): void }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-journal-'));
  t = 1_700_000_000_000;
});

afterEach(() => {
  for (const o of opened.splice(0).reverse()) o.close();
  rmSync(dir, { recursive: true, force: true });
});

function journalPath(name = 'journal.db'): string {
  return join(dir, name);
}

function open(path = journalPath(), migrations?: readonly Migration[]): SqliteJournal {
  const journal = new SqliteJournal(path, { now, ...(migrations ? { migrations } : {}) });
  opened.push(journal);
  return journal;
}

function raw(path = journalPath()): Database {
  const db = new BetterSqlite3(path);
  opened.push(db);
  return db;
}

/** The journal's own connection: synchronous and foreign_keys are per-connection settings. */
function connectionOf(journal: SqliteJournal): Database {
  return (journal as unknown as { db: Database }).db;
}

function names(db: Database, type: 'table' | 'index' | 'trigger'): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).all(type) as Array<{ name: string }>).map(
    (r) => r.name,
  );
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Inserts a transfer row with only the columns version 1 of the schema has. */
function insertVersion1Transfer(db: Database, input: NewTransfer): void {
  db.prepare(
    `INSERT INTO transfers (id, file_path, file_size, file_mtime_ms, file_identity, bucket, object_key, endpoint, region,
       force_path_style, upload_id, part_size, part_count, checksum_type, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 'queued', ?, ?)`,
  ).run(input.id, input.filePath, input.fileSize, input.fileMtimeMs, input.fileIdentity, input.target.bucket, input.target.key,
    input.target.endpoint, input.target.region, input.target.forcePathStyle ? 1 : 0, input.partSize, input.partCount, input.checksumType, now(), now());
}

const target = (overrides: Partial<TransferTarget> = {}): TransferTarget => ({
  bucket: 'film-archive',
  key: 'raw/2024/take-01.mov',
  endpoint: null,
  region: 'eu-west-1',
  forcePathStyle: false,
  kmsKeyId: null,
  backend: null,
  ...overrides,
});

let seq = 0;
function newTransfer(overrides: Partial<NewTransfer> = {}): NewTransfer {
  seq++;
  return {
    id: `t${String(seq).padStart(4, '0')}`,
    filePath: '/media/take-01.mov',
    fileSize: 100 * 1024 * 1024,
    fileMtimeMs: 1_699_999_000_123,
    fileIdentity: '104857600:1699999000123:2049:123456',
    target: target(),
    partSize: 16 * 1024 * 1024,
    partCount: 7,
    checksumType: 'FULL_OBJECT',
    ...overrides,
  };
}

const part = (partNumber: number, size = 1000, tag = 'a'): PartRecord => ({
  partNumber,
  size,
  etag: `"etag-${tag}-${partNumber}"`,
  checksum: `crc${tag}${partNumber}==`,
  verifiedBy: null,
});

describe('migrations', () => {
  it('brings a fresh journal to the latest version, with every table and the durability pragmas', () => {
    const path = journalPath();
    const journal = open(path);
    expect(journal.migration).toEqual({
      from: 0,
      to: MIGRATIONS.length,
      applied: ['0001-initial', '0002-event-time-index', '0003-create-started', '0004-backend-target', '0005-verification'],
    });

    const own = connectionOf(journal);
    expect(own.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(own.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(own.pragma('synchronous', { simple: true })).toBe(2); // FULL

    const other = raw(path);
    expect(userVersion(other)).toBe(MIGRATIONS.length);
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent, seen by every connection
    expect(names(other, 'table')).toEqual(expect.arrayContaining(['transfers', 'parts', 'events', 'endpoints']));
    expect(names(other, 'index')).toEqual(expect.arrayContaining(['events_by_time', 'events_by_transfer', 'transfers_by_state']));
    expect(names(other, 'trigger')).toEqual(['events_append_only']);
  });

  it('does nothing when reopened at the latest version', () => {
    const path = journalPath();
    open(path).close();
    const again = open(path);
    expect(again.migration).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
  });

  it('upgrades an old journal in place, keeping its data', () => {
    const path = journalPath();
    const old = open(path, MIGRATIONS.slice(0, 1));
    expect(old.migration).toEqual({ from: 0, to: 1, applied: ['0001-initial'] });
    old.close();
    // A row as version 1 of Dockside wrote it (today's insert names columns version 1 lacked).
    const check = raw(path);
    const input = newTransfer();
    insertVersion1Transfer(check, input);
    check.prepare(`INSERT INTO events (transfer_id, at, level, type, message, data) VALUES (?, ?, 'warn', 'test.event', 'kept across the upgrade', '{"n":1}')`).run(input.id, now());
    expect(userVersion(check)).toBe(1);
    expect(names(check, 'index')).not.toContain('events_by_time');
    check.close();

    const upgraded = open(path);
    expect(upgraded.migration).toEqual({ from: 1, to: MIGRATIONS.length, applied: ['0002-event-time-index', '0003-create-started', '0004-backend-target', '0005-verification'] });
    expect(upgraded.getTransfer(input.id)).toMatchObject({ id: input.id, filePath: input.filePath, target: { ...input.target, kmsKeyId: null, backend: null }, createStartedAt: null });
    expect(upgraded.queryLog({ transferId: input.id }).map((e) => e.type)).toEqual(['test.event']);
    const after = raw(path);
    expect(userVersion(after)).toBe(MIGRATIONS.length);
    expect(names(after, 'index')).toContain('events_by_time');
  });

  it('refuses a journal from a newer Dockside and leaves the file untouched', () => {
    const path = journalPath();
    const journal = open(path);
    journal.createTransfer(newTransfer({ id: 'from-the-future' }));
    journal.close();
    const db = raw(path);
    db.pragma('user_version = 99');
    db.close();
    const before = sha(path);

    const error = thrown(() => new SqliteJournal(path, { now }));
    expect(error.code).toBe('JOURNAL_FROM_FUTURE');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(path);
    expect(error.message).toContain('99');

    expect(sha(path)).toBe(before);
    const after = raw(path);
    expect(userVersion(after)).toBe(99);
    expect(names(after, 'table')).toEqual(expect.arrayContaining(['transfers', 'parts', 'events']));
    expect(after.prepare('SELECT id FROM transfers').all()).toEqual([{ id: 'from-the-future' }]);
  });

  it('rolls a failing migration back completely on a fresh journal', () => {
    const path = journalPath();
    const failing: Migration[] = [
      MIGRATIONS[0]!,
      {
        version: 2,
        name: 'explodes',
        up: (db) => {
          db.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('migration 2 exploded');
        },
      },
    ];
    const error = thrown(() => new SqliteJournal(path, { now, migrations: failing }));
    expect(error.code).toBe('JOURNAL');
    expect(error.message).toContain('migration 2 exploded');
    expect(error.message).toContain(path);

    const db = raw(path);
    expect(userVersion(db)).toBe(0);
    expect(names(db, 'table')).toEqual([]);
    expect(names(db, 'index')).toEqual([]);
    expect(names(db, 'trigger')).toEqual([]);
  });

  it('rolls a failing migration back on an existing journal, keeping the old version and data', () => {
    const path = journalPath();
    open(path, MIGRATIONS.slice(0, 1)).close();
    const v1 = raw(path);
    insertVersion1Transfer(v1, newTransfer({ id: 'survivor' }));
    v1.close();
    const failing: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'explodes',
        up: (db) => {
          db.exec('DELETE FROM transfers');
          throw new Error('nope');
        },
      },
    ];
    expect(thrown(() => new SqliteJournal(path, { now, migrations: failing })).code).toBe('JOURNAL');
    const db = raw(path);
    expect(userVersion(db)).toBe(1);
    expect(names(db, 'index')).not.toContain('events_by_time'); // migration 2 ran in the same transaction
    expect(db.prepare('SELECT id FROM transfers').all()).toEqual([{ id: 'survivor' }]);
  });

  it.each<[string, number[]]>([
    ['a gap', [1, 3]],
    ['a duplicate', [1, 1]],
    ['not starting at 1', [2, 3]],
    ['out of order', [2, 1]],
  ])('rejects migration versions with %s', (_label, versions) => {
    const migrations: Migration[] = versions.map((version, i) => ({ version, name: `m${i}`, up: (db) => db.exec(`CREATE TABLE m${i} (x)`) }));
    const db = new BetterSqlite3(':memory:');
    opened.push(db);
    expect(() => migrate(db, migrations)).toThrow(/has version \d+; expected \d+/);
    expect(userVersion(db)).toBe(0);
    expect(names(db, 'table')).toEqual([]);

    const error = thrown(() => new SqliteJournal(journalPath(), { now, migrations }));
    expect(error.code).toBe('JOURNAL');
  });

  it('reports what migrate() did on a bare connection', () => {
    const db = new BetterSqlite3(':memory:');
    opened.push(db);
    expect(migrate(db)).toEqual({ from: 0, to: 5, applied: ['0001-initial', '0002-event-time-index', '0003-create-started', '0004-backend-target', '0005-verification'] });
    expect(migrate(db)).toEqual({ from: 5, to: 5, applied: [] });
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db, MIGRATIONS, 'The test db')).toThrow(/The test db was written by a newer Dockside/);
  });
});

describe('SqliteJournal', () => {
  it('round-trips a new transfer with every field and logs transfer.created', () => {
    const journal = open();
    const input = newTransfer({
      id: 'round-trip',
      target: target({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, region: 'us-east-1' }),
      checksumType: 'COMPOSITE',
      fileSize: 0,
      partCount: 1,
    });
    const created = journal.createTransfer(input);
    const expected = {
      id: 'round-trip',
      filePath: input.filePath,
      fileSize: 0,
      fileMtimeMs: input.fileMtimeMs,
      fileIdentity: input.fileIdentity,
      target: { bucket: 'film-archive', key: 'raw/2024/take-01.mov', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, kmsKeyId: null, backend: null },
      uploadId: null,
      partSize: input.partSize,
      partCount: 1,
      checksumAlgorithm: 'CRC32',
      checksumType: 'COMPOSITE',
      state: 'queued',
      fullChecksum: null,
      objectEtag: null,
      errorCode: null,
      errorMessage: null,
      owner: null,
      createStartedAt: null,
      verifyFile: false,
      partChecksum: null,
      serverChecks: null,
      verification: null,
      fileRereadAt: null,
      bytesDone: 0,
      partsDone: 0,
      createdAt: t,
      updatedAt: t,
      completedAt: null,
    };
    expect(created).toEqual(expected);
    expect(journal.getTransfer('round-trip')).toEqual(expected);
    expect(journal.getTransfer('no-such-transfer')).toBeNull();

    const events = journal.queryLog({ transferId: 'round-trip' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      transferId: 'round-trip',
      at: t,
      level: 'info',
      type: 'transfer.created',
      data: { size: 0, partSize: input.partSize, partCount: 1, endpoint: 'http://127.0.0.1:9000' },
    });
    expect(events[0]!.message).toContain('s3://film-archive/raw/2024/take-01.mov');
  });

  it('keeps a default-endpoint target as null and forcePathStyle false', () => {
    const journal = open();
    const created = journal.createTransfer(newTransfer());
    expect(created.target).toEqual(target());
  });

  it('keeps a backend target: its KMS key and which backend upload it is, never a token', () => {
    const journal = open();
    const backendTarget = target({
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/dock',
      backend: { url: 'https://dockside.example.com', uploadId: '01JD0000000000000000000000' },
    });
    const created = journal.createTransfer(newTransfer({ target: backendTarget }));
    expect(created.target).toEqual(backendTarget);
    expect(journal.getTransfer(created.id)!.target).toEqual(backendTarget);
  });

  it('logs nothing when creating a transfer fails', () => {
    const journal = open();
    journal.createTransfer(newTransfer({ id: 'dup' }));
    expect(() => journal.createTransfer(newTransfer({ id: 'dup' }))).toThrow();
    expect(journal.queryLog({ transferId: 'dup' })).toHaveLength(1);
    expect(journal.listTransfers()).toHaveLength(1);
  });

  it('commits recorded parts: bytesDone and partsDone reflect them', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer());
    journal.setUploadId(id, 'upload-1');
    journal.recordPart(id, 'upload-1', part(1, 1000));
    journal.recordPart(id, 'upload-1', part(3, 500));
    expect(journal.getTransfer(id)).toMatchObject({ uploadId: 'upload-1', bytesDone: 1500, partsDone: 2 });
    // Recording a part again (re-sent after a doubt) replaces it, it does not count twice.
    journal.recordPart(id, 'upload-1', part(1, 1000, 'b'));
    expect(journal.getTransfer(id)).toMatchObject({ bytesDone: 1500, partsDone: 2 });
    expect(journal.listParts(id)).toEqual([part(1, 1000, 'b'), part(3, 500)]);
  });

  it('refuses a part under a stale upload id and records nothing', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer());
    // No upload yet.
    expect(thrown(() => journal.recordPart(id, 'upload-1', part(1))).code).toBe('UPLOAD_NOT_FOUND');
    journal.setUploadId(id, 'upload-1');
    journal.recordPart(id, 'upload-1', part(1));
    journal.setUploadId(id, 'upload-2');
    const error = thrown(() => journal.recordPart(id, 'upload-1', part(2)));
    expect(error.code).toBe('UPLOAD_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(journal.listParts(id)).toEqual([]);
    expect(journal.getTransfer(id)).toMatchObject({ bytesDone: 0, partsDone: 0, uploadId: 'upload-2' });
  });

  it('refuses parts and upload ids for an unknown transfer', () => {
    const journal = open();
    expect(thrown(() => journal.recordPart('ghost', 'u', part(1))).code).toBe('TRANSFER_NOT_FOUND');
    expect(thrown(() => journal.setUploadId('ghost', 'u')).code).toBe('TRANSFER_NOT_FOUND');
    expect(thrown(() => journal.setState('ghost', 'running')).code).toBe('TRANSFER_NOT_FOUND');
    expect(thrown(() => journal.markCompleted('ghost', { etag: 'e', fullChecksum: 'c', verification: 'size-only', fileRereadAt: null })).code).toBe('TRANSFER_NOT_FOUND');
    expect(thrown(() => journal.claim('ghost', 'me', () => true)).code).toBe('TRANSFER_NOT_FOUND');
  });

  it('drops the parts of the old upload when the upload id changes, and keeps them when it does not', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer());
    const other = journal.createTransfer(newTransfer());
    journal.setUploadId(other.id, 'upload-1');
    journal.recordPart(other.id, 'upload-1', part(1));
    journal.setUploadId(id, 'upload-1');
    journal.recordPart(id, 'upload-1', part(1));
    journal.recordPart(id, 'upload-1', part(2));

    journal.setUploadId(id, 'upload-1', 'COMPOSITE');
    expect(journal.listParts(id)).toHaveLength(2);
    expect(journal.getTransfer(id)!.checksumType).toBe('COMPOSITE');

    journal.setUploadId(id, 'upload-2');
    expect(journal.listParts(id)).toEqual([]);
    expect(journal.getTransfer(id)).toMatchObject({ uploadId: 'upload-2', checksumType: 'COMPOSITE', bytesDone: 0 });
    journal.recordPart(id, 'upload-2', part(1));
    journal.setUploadId(id, null);
    expect(journal.listParts(id)).toEqual([]);
    expect(journal.getTransfer(id)!.uploadId).toBeNull();
    // Another transfer's parts are not touched.
    expect(journal.listParts(other.id)).toEqual([part(1)]);
  });

  it('removes the named parts only', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer());
    journal.setUploadId(id, 'u');
    for (const n of [1, 2, 3, 4]) journal.recordPart(id, 'u', part(n, n * 100));
    journal.removeParts(id, [1, 3, 99]);
    expect(journal.listParts(id).map((p) => p.partNumber)).toEqual([2, 4]);
    expect(journal.getTransfer(id)).toMatchObject({ bytesDone: 600, partsDone: 2 });
    journal.removeParts(id, []);
    expect(journal.listParts(id)).toHaveLength(2);
  });

  it('finds the newest unfinished transfer of a file to a place, matching a null endpoint', () => {
    const journal = open();
    const path = '/media/take-01.mov';
    const minio = target({ endpoint: 'http://127.0.0.1:9000' });

    expect(journal.findUnfinished(path, target())).toBeNull();
    const done = journal.createTransfer(newTransfer({ filePath: path }));
    journal.setState(done.id, 'completed');
    t += 1000;
    const cancelled = journal.createTransfer(newTransfer({ filePath: path }));
    journal.setState(cancelled.id, 'cancelled');
    expect(journal.findUnfinished(path, target())).toBeNull();

    t += 1000;
    const failed = journal.createTransfer(newTransfer({ filePath: path }));
    journal.setState(failed.id, 'failed', { code: 'ACCESS_DENIED', message: 'no', retryable: false });
    expect(journal.findUnfinished(path, target())?.id).toBe(failed.id);

    t += 1000;
    const aws = journal.createTransfer(newTransfer({ filePath: path }));
    t += 1000;
    const onMinio = journal.createTransfer(newTransfer({ filePath: path, target: minio }));
    t += 1000;
    journal.createTransfer(newTransfer({ filePath: path, target: target({ key: 'other-key' }) }));
    journal.createTransfer(newTransfer({ filePath: path, target: target({ bucket: 'other-bucket' }) }));
    journal.createTransfer(newTransfer({ filePath: '/media/other.mov' }));

    expect(journal.findUnfinished(path, target())?.id).toBe(aws.id); // newest with endpoint null
    expect(journal.findUnfinished(path, minio)?.id).toBe(onMinio.id);
    expect(journal.findUnfinished(path, target({ endpoint: 'http://elsewhere:9000' }))).toBeNull();
    // Region and addressing style do not make it a different place.
    expect(journal.findUnfinished(path, { bucket: 'film-archive', key: 'raw/2024/take-01.mov', endpoint: null })?.id).toBe(aws.id);

    for (const state of ['queued', 'running', 'paused', 'completing'] as const) {
      journal.setState(aws.id, state);
      expect(journal.findUnfinished(path, target())?.id).toBe(aws.id);
    }
  });

  it('stores the error with the state and clears it on the next state', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer());
    t += 5000;
    journal.setState(id, 'failed', { code: 'ACCESS_DENIED', message: 'Access Denied. Check your credentials.', retryable: false });
    expect(journal.getTransfer(id)).toMatchObject({
      state: 'failed',
      errorCode: 'ACCESS_DENIED',
      errorMessage: 'Access Denied. Check your credentials.',
      updatedAt: t,
    });
    journal.setState(id, 'running');
    expect(journal.getTransfer(id)).toMatchObject({ state: 'running', errorCode: null, errorMessage: null });
  });

  it('keeps what the server checked: of each part, of the current upload (forgotten with it), and where part CRC32s go', () => {
    const journal = open();
    const { id } = journal.createTransfer(newTransfer({ verifyFile: true }));
    expect(journal.getTransfer(id)).toMatchObject({ verifyFile: true, serverChecks: null, partChecksum: null });
    journal.setUploadId(id, 'u1');
    const checks = { uploadId: 'u1', trailers: false, crc32: false, contentMd5: true };
    journal.setServerChecks(id, checks);
    journal.setPartChecksum(id, 'header');
    journal.recordPart(id, 'u1', { ...part(1), verifiedBy: 'content-md5' });
    journal.recordPart(id, 'u1', { ...part(2), verifiedBy: 'crc32' });
    journal.recordPart(id, 'u1', part(3));
    expect(journal.listParts(id).map((p) => p.verifiedBy)).toEqual(['content-md5', 'crc32', null]);
    expect(journal.getTransfer(id)).toMatchObject({ serverChecks: checks, partChecksum: 'header' });
    // A new upload may be on another server: what was probed of the old one is forgotten.
    journal.setUploadId(id, 'u2');
    expect(journal.getTransfer(id)).toMatchObject({ serverChecks: null, partChecksum: 'header' });
    expect(thrown(() => journal.setServerChecks('ghost', checks)).code).toBe('TRANSFER_NOT_FOUND');
    expect(thrown(() => journal.setPartChecksum('ghost', 'header')).code).toBe('TRANSFER_NOT_FOUND');
  });

  it('remembers what was learned of an endpoint, field by field', () => {
    const journal = open();
    expect(journal.endpointQuirks('http://rgw:7480')).toBeNull();
    journal.rememberEndpointQuirks('http://rgw:7480', { checksumTrailer: false });
    expect(journal.endpointQuirks('http://rgw:7480')).toEqual({ checksumTrailer: false, fullObject: null });
    journal.rememberEndpointQuirks('http://rgw:7480', { fullObject: false });
    expect(journal.endpointQuirks('http://rgw:7480')).toEqual({ checksumTrailer: false, fullObject: false });
    journal.rememberEndpointQuirks('http://rgw:7480', { checksumTrailer: true });
    expect(journal.endpointQuirks('http://rgw:7480')).toEqual({ checksumTrailer: true, fullObject: false });
    expect(journal.endpointQuirks('aws')).toBeNull();
  });

  it('marks a transfer completed with its etag and checksum', () => {
    const journal = open();
    const { id, createdAt } = journal.createTransfer(newTransfer());
    t += 60_000;
    journal.markCompleted(id, { etag: '"abc-7"', fullChecksum: 'y/Q5Jg==', verification: 'server-checksum', fileRereadAt: t - 5 });
    expect(journal.getTransfer(id)).toMatchObject({
      objectEtag: '"abc-7"',
      fullChecksum: 'y/Q5Jg==',
      verification: 'server-checksum',
      fileRereadAt: t - 5,
      completedAt: t,
      updatedAt: t,
      createdAt,
    });
    // A new upload forgets the whole-object checksum of the old one.
    journal.setUploadId(id, 'again');
    expect(journal.getTransfer(id)!.fullChecksum).toBeNull();
  });

  it('lists transfers in creation order, filtered by state', () => {
    const journal = open();
    const a = journal.createTransfer(newTransfer());
    t += 1;
    const b = journal.createTransfer(newTransfer());
    t += 1;
    const c = journal.createTransfer(newTransfer());
    journal.setState(b.id, 'paused');
    journal.setState(c.id, 'completed');
    expect(journal.listTransfers().map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(journal.listTransfers({ states: ['paused', 'completed'] }).map((r) => r.id)).toEqual([b.id, c.id]);
    expect(journal.listTransfers({ states: [] })).toEqual([]);
  });

  describe('claim and release', () => {
    const alive = (live: readonly string[]) => {
      const asked: string[] = [];
      return { asked, isAlive: (owner: string) => (asked.push(owner), live.includes(owner)) };
    };

    it('claims a free transfer', () => {
      const journal = open();
      const { id } = journal.createTransfer(newTransfer());
      const probe = alive([]);
      expect(journal.claim(id, 'pid:100', probe.isAlive)).toBe(true);
      expect(probe.asked).toEqual([]); // nobody to ask about
    });

    it('refuses a transfer held by another live owner', () => {
      const journal = open();
      const { id } = journal.createTransfer(newTransfer());
      journal.claim(id, 'pid:100', () => true);
      const probe = alive(['pid:100']);
      expect(journal.claim(id, 'pid:200', probe.isAlive)).toBe(false);
      expect(probe.asked).toEqual(['pid:100']);
      // Still held by the first owner.
      expect(journal.claim(id, 'pid:300', () => true)).toBe(false);
    });

    it('takes over a transfer held by a dead owner', () => {
      const journal = open();
      const { id } = journal.createTransfer(newTransfer());
      journal.claim(id, 'pid:100', () => true);
      const probe = alive([]);
      expect(journal.claim(id, 'pid:200', probe.isAlive)).toBe(true);
      expect(probe.asked).toEqual(['pid:100']);
      // Now pid:200 holds it.
      expect(journal.claim(id, 'pid:300', (o) => o === 'pid:200')).toBe(false);
    });

    it('lets the same owner claim again without asking', () => {
      const journal = open();
      const { id } = journal.createTransfer(newTransfer());
      journal.claim(id, 'pid:100', () => true);
      const probe = alive([]);
      expect(journal.claim(id, 'pid:100', probe.isAlive)).toBe(true);
      expect(probe.asked).toEqual([]);
    });

    it('releases only for the owner', () => {
      const journal = open();
      const { id } = journal.createTransfer(newTransfer());
      journal.claim(id, 'pid:100', () => true);
      journal.release(id, 'pid:999'); // not the owner: no effect
      expect(journal.claim(id, 'pid:200', () => true)).toBe(false);
      journal.release(id, 'pid:100');
      const probe = alive(['pid:100']);
      expect(journal.claim(id, 'pid:200', probe.isAlive)).toBe(true);
      expect(probe.asked).toEqual([]);
    });

    it('sees a claim made through another connection', () => {
      const path = journalPath();
      const first = open(path);
      const { id } = first.createTransfer(newTransfer());
      const second = open(path);
      expect(first.claim(id, 'pid:1', () => true)).toBe(true);
      expect(second.claim(id, 'pid:2', () => true)).toBe(false);
    });
  });

  describe('queryLog', () => {
    function seed(journal: SqliteJournal) {
      const a = journal.createTransfer(newTransfer({ id: 'A' })); // info transfer.created at t0
      const t0 = t;
      const entries = [
        { dt: 1000, transferId: 'A', level: 'debug', type: 'part.sent' },
        { dt: 2000, transferId: 'A', level: 'warn', type: 'part.retry' },
        { dt: 3000, transferId: null, level: 'info', type: 'app.started' },
        { dt: 4000, transferId: 'A', level: 'error', type: 'transfer.failed' },
        { dt: 5000, transferId: null, level: 'warn', type: 'app.offline' },
      ] as const;
      const logged = entries.map((e) => {
        t = t0 + e.dt;
        return journal.appendLog({ transferId: e.transferId, level: e.level, type: e.type, message: `${e.type} happened`, data: { dt: e.dt } });
      });
      return { a, t0, logged };
    }

    it('returns appended entries with ids, times and data', () => {
      const journal = open();
      const { t0, logged } = seed(journal);
      expect(logged[0]).toEqual({ id: 2, transferId: 'A', at: t0 + 1000, level: 'debug', type: 'part.sent', message: 'part.sent happened', data: { dt: 1000 } });
      const noData = journal.appendLog({ transferId: null, level: 'info', type: 'x', message: 'y' });
      expect(noData.data).toBeNull();
      expect(journal.queryLog().map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it.each<[string, Parameters<SqliteJournal['queryLog']>[0], string[]]>([
      ['everything', {}, ['transfer.created', 'part.sent', 'part.retry', 'app.started', 'transfer.failed', 'app.offline']],
      ['by transfer', { transferId: 'A' }, ['transfer.created', 'part.sent', 'part.retry', 'transfer.failed']],
      ['by an unknown transfer', { transferId: 'Z' }, []],
      ['minLevel debug', { minLevel: 'debug' }, ['transfer.created', 'part.sent', 'part.retry', 'app.started', 'transfer.failed', 'app.offline']],
      ['minLevel info', { minLevel: 'info' }, ['transfer.created', 'part.retry', 'app.started', 'transfer.failed', 'app.offline']],
      ['minLevel warn', { minLevel: 'warn' }, ['part.retry', 'transfer.failed', 'app.offline']],
      ['minLevel error', { minLevel: 'error' }, ['transfer.failed']],
      ['since (inclusive)', { since: 1_700_000_003_000 }, ['app.started', 'transfer.failed', 'app.offline']],
      ['until (inclusive)', { until: 1_700_000_001_000 }, ['transfer.created', 'part.sent']],
      ['since and until', { since: 1_700_000_002_000, until: 1_700_000_004_000 }, ['part.retry', 'app.started', 'transfer.failed']],
      ['afterId', { afterId: 4 }, ['transfer.failed', 'app.offline']],
      ['limit', { limit: 2 }, ['transfer.created', 'part.sent']],
      ['limit 0 returns nothing', { limit: 0 }, []],
      ['afterId and limit (paging)', { afterId: 2, limit: 2 }, ['part.retry', 'app.started']],
      ['transfer, level and limit', { transferId: 'A', minLevel: 'warn', limit: 1 }, ['part.retry']],
      ['transfer and since', { transferId: 'A', since: 1_700_000_002_500 }, ['transfer.failed']],
    ])('filters %s', (_label, query, types) => {
      const journal = open();
      seed(journal);
      expect(journal.queryLog(query).map((e) => e.type)).toEqual(types);
    });
  });

  it('keeps the transfer log append-only: an UPDATE through another connection fails', () => {
    const path = journalPath();
    const journal = open(path);
    journal.createTransfer(newTransfer({ id: 'A' }));
    const db = raw(path);
    expect(() => db.prepare(`UPDATE events SET message = 'rewritten'`).run()).toThrow(/append-only/);
    expect(journal.queryLog()[0]!.message).not.toBe('rewritten');
  });

  it('keeps a committed part when the process dies without closing (a second connection sees it)', () => {
    const path = journalPath();
    const first = open(path);
    const { id } = first.createTransfer(newTransfer());
    first.setUploadId(id, 'upload-1');
    first.recordPart(id, 'upload-1', part(1, 4096));
    // `first` is deliberately left open, as after a crash.
    const second = open(path);
    expect(second.migration.applied).toEqual([]);
    expect(second.listParts(id)).toEqual([part(1, 4096)]);
    expect(second.getTransfer(id)).toMatchObject({ uploadId: 'upload-1', bytesDone: 4096, partsDone: 1 });
    // Without a checkpoint the commit is in the WAL, which is how it survives.
    const db = raw(path);
    expect(db.prepare('SELECT size FROM parts WHERE transfer_id = ?').all(id)).toEqual([{ size: 4096 }]);
  });

  it('keeps a committed part when the process is killed right after recording it', () => {
    const path = journalPath();
    const setup = open(path);
    const { id } = setup.createTransfer(newTransfer());
    setup.setUploadId(id, 'upload-1');
    setup.close();
    const journalModule = pathToFileURL(join(import.meta.dirname, '../../../src/main/journal/index.js')).href;
    const script = join(dir, 'crash.ts');
    writeFileSync(
      script,
      `import { SqliteJournal } from ${JSON.stringify(journalModule)};
       const journal = new SqliteJournal(${JSON.stringify(path)});
       journal.recordPart(${JSON.stringify(id)}, 'upload-1', ${JSON.stringify(part(7, 12345))});
       process.kill(process.pid, 'SIGKILL');`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const after = open(path);
    expect(after.listParts(id)).toEqual([part(7, 12345)]);
    expect(after.getTransfer(id)).toMatchObject({ bytesDone: 12345, partsDone: 1 });
  });

  it('closes idempotently and opens ":memory:" journals', () => {
    const journal = new SqliteJournal(':memory:', { now });
    journal.createTransfer(newTransfer({ id: 'mem' }));
    expect(journal.getTransfer('mem')).not.toBeNull();
    journal.close();
    expect(() => journal.close()).not.toThrow();
  });

  it('wraps an unopenable path as a JOURNAL error naming it', () => {
    const path = join(dir, 'not-a-dir');
    // A file where the journal's folder should be.
    raw(path).close();
    const error = thrown(() => new SqliteJournal(join(path, 'journal.db'), { now }));
    expect(error.code).toBe('JOURNAL');
    expect(error.message).toContain(path);
  });
});

describe('a journal from a newer Dockside in rollback-journal mode', () => {
  it('is refused before the switch to WAL touches the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockside-future-'));
    try {
      const path = join(dir, 'journal.sqlite');
      const raw = new BetterSqlite3(path);
      raw.exec('CREATE TABLE future_things (x)');
      raw.pragma('user_version = 7');
      expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
      raw.close();
      const before = createHash('sha256').update(readFileSync(path)).digest('hex');

      expect(() => new SqliteJournal(path)).toThrow(expect.objectContaining({ code: 'JOURNAL_FROM_FUTURE' }));

      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
      const reopened = new BetterSqlite3(path, { readonly: true });
      expect(reopened.pragma('journal_mode', { simple: true })).toBe('delete');
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
