/**
 * UploadJournal on SQLite (better-sqlite3): the durable truth of what Dockside knows.
 * WAL + synchronous=FULL, so a committed part survives a crash or power loss; statements are
 * prepared once; every write is one transaction. Every failure leaves as DocksideError('JOURNAL')
 * saying what could not be done and why (disk full, read-only, I/O error), never a raw SqliteError.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { DocksideError, type ErrorInfo } from '../../shared/errors.js';
import {
  TERMINAL_STATES,
  type ChecksumType,
  type EventLevel,
  type PartRecord,
  type PartVerification,
  type ServerChecks,
  type TransferLogEntry,
  type TransferRecord,
  type TransferState,
  type TransferTarget,
  type Verification,
} from '../../shared/transfer-model.js';
import { ensurePrivateDir, ensurePrivateFile, narrowIfPresent } from '../engine/private-files.js';
import type { EndpointQuirks, LogQuery, NewLogEntry, NewTransfer, PrunableLog, UploadJournal } from '../engine/ports.js';
import { journalError } from './journal-errors.js';
import { assertNotFromFuture, migrate, type MigrationResult } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

interface TransferRow {
  id: string;
  file_path: string;
  file_size: number;
  file_mtime_ms: number;
  file_identity: string;
  bucket: string;
  object_key: string;
  endpoint: string | null;
  kms_key_id: string | null;
  backend_url: string | null;
  backend_upload_id: string | null;
  region: string;
  force_path_style: number;
  upload_id: string | null;
  part_size: number;
  part_count: number;
  checksum_type: ChecksumType;
  state: TransferState;
  full_checksum: string | null;
  object_etag: string | null;
  error_code: string | null;
  error_message: string | null;
  owner: string | null;
  create_started_at: number | null;
  verify_file: number;
  part_checksum: 'trailer' | 'header' | null;
  server_checks: string | null;
  verification: Verification | null;
  file_reread_at: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  bytes_done: number;
  parts_done: number;
}

interface EventRow {
  id: number;
  transfer_id: string | null;
  at: number;
  level: EventLevel;
  type: string;
  message: string;
  data: string | null;
}

const LEVELS: readonly EventLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * Log entries deleted per statement (each its own transaction) when old entries are pruned: a
 * large first prune never holds the write lock for long against another process's part commits.
 */
const PRUNE_BATCH_IDS = 10_000;

/** Entries that retention may drop: app-wide ones, and those of transfers that have ended. */
const PRUNABLE = `(transfer_id IS NULL OR transfer_id IN (SELECT id FROM transfers WHERE state IN (${[...TERMINAL_STATES]
  .map((state) => `'${state}'`)
  .join(', ')})))`;

const SELECT_TRANSFER = `
  SELECT t.*,
         COALESCE((SELECT SUM(p.size) FROM parts p WHERE p.transfer_id = t.id), 0) AS bytes_done,
         (SELECT COUNT(*) FROM parts p WHERE p.transfer_id = t.id) AS parts_done
  FROM transfers t`;

export interface SqliteJournalOptions {
  readonly now?: () => number;
  /** For tests of the migration machinery only. */
  readonly migrations?: readonly Migration[];
}

/** How long opening a journal waits out other processes opening it too (as the busy timeout). */
const OPEN_BUSY_MS = 5_000;

/**
 * Runs `open` (idempotent), again after a short pause while SQLite answers SQLITE_BUSY, for up to
 * OPEN_BUSY_MS. Several processes opening a fresh journal at once all switch it to WAL: SQLite
 * answers one of two that both hold a read lock and want the write lock SQLITE_BUSY at once,
 * without waiting (its deadlock rule: the busy timeout does not apply), so a bounded retry is
 * what lets every one of them open it.
 */
function whileBusy<T>(open: () => T): T {
  const deadline = Date.now() + OPEN_BUSY_MS;
  for (;;) {
    try {
      return open();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
      // A synchronous pause (the constructor is synchronous): 10–50 ms, so the openers spread out.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.floor(Math.random() * 40));
    }
  }
}

export class SqliteJournal implements UploadJournal, PrunableLog {
  readonly migration: MigrationResult;
  private readonly db: Database;
  private readonly now: () => number;
  private readonly stmt: Record<string, Statement>;

  /** Opens (creating if needed) the journal at `path`; ':memory:' for a throwaway one. */
  constructor(
    readonly path: string,
    options: SqliteJournalOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    try {
      if (path !== ':memory:') {
        // File paths, buckets and the transfer log: for this user's eyes only (src/main/engine/private-files.ts).
        ensurePrivateDir(dirname(path));
        ensurePrivateFile(path);
      }
      this.db = new BetterSqlite3(path, { timeout: 5_000 });
    } catch (error) {
      throw journalError(whyNotOpened(error, path), path, 'be opened');
    }
    try {
      this.migration = whileBusy(() => {
        // Refuse a newer journal before anything (even the switch to WAL) touches the file.
        assertNotFromFuture(this.db, options.migrations ?? MIGRATIONS, `The journal at ${path}`);
        this.db.pragma('journal_mode = WAL');
        // SQLite gives new -wal/-shm files the database's mode; ones an older version left wider are narrowed.
        if (path !== ':memory:') for (const suffix of ['-wal', '-shm']) narrowIfPresent(`${path}${suffix}`);
        this.db.pragma('synchronous = FULL');
        this.db.pragma('foreign_keys = ON');
        return migrate(this.db, options.migrations ?? MIGRATIONS, `The journal at ${path}`);
      });
    } catch (error) {
      this.db.close();
      throw journalError(whyNotOpened(error, path), path, 'be opened');
    }
    this.stmt = this.prepareAll();
  }

  /** Each statement is prepared once, on first use (an older schema opened for a migration test never prepares what it lacks). */
  private prepareAll(): Record<string, Statement> {
    const sqlByName = this.statementSql();
    const statements = {} as Record<string, Statement>;
    for (const [name, sql] of Object.entries(sqlByName)) {
      let prepared: Statement | undefined;
      Object.defineProperty(statements, name, { get: () => (prepared ??= this.db.prepare(sql)) });
    }
    return statements;
  }

  private statementSql(): Record<string, string> {
    return {
      insertTransfer: `INSERT INTO transfers (id, file_path, file_size, file_mtime_ms, file_identity, bucket, object_key, endpoint, region,
                          force_path_style, kms_key_id, backend_url, backend_upload_id, upload_id, part_size, part_count, checksum_type,
                          verify_file, state, created_at, updated_at)
                         VALUES (@id, @filePath, @fileSize, @fileMtimeMs, @fileIdentity, @bucket, @key, @endpoint, @region,
                          @forcePathStyle, @kmsKeyId, @backendUrl, @backendUploadId, NULL, @partSize, @partCount, @checksumType,
                          @verifyFile, 'queued', @now, @now)`,
      getTransfer: `${SELECT_TRANSFER} WHERE t.id = ?`,
      listTransfers: `${SELECT_TRANSFER} ORDER BY t.created_at, t.id`,
      findUnfinished: `${SELECT_TRANSFER}
                         WHERE t.file_path = ? AND t.bucket = ? AND t.object_key = ? AND t.endpoint IS ?
                           AND t.state NOT IN ('completed', 'cancelled')
                         ORDER BY t.created_at DESC LIMIT 1`,
      setUploadId: `UPDATE transfers SET upload_id = @uploadId, checksum_type = COALESCE(@checksumType, checksum_type),
                        full_checksum = NULL, create_started_at = NULL, server_checks = NULL, updated_at = @now WHERE id = @id`,
      setServerChecks: `UPDATE transfers SET server_checks = @checks, updated_at = @now WHERE id = @id`,
      setPartChecksum: `UPDATE transfers SET part_checksum = @mode, updated_at = @now WHERE id = @id`,
      getEndpoint: `SELECT checksum_trailer, full_object FROM endpoints WHERE endpoint = ?`,
      upsertEndpoint: `INSERT INTO endpoints (endpoint, checksum_trailer, full_object, updated_at) VALUES (@endpoint, @trailer, @fullObject, @now)
                         ON CONFLICT (endpoint) DO UPDATE SET
                           checksum_trailer = COALESCE(excluded.checksum_trailer, checksum_trailer),
                           full_object = COALESCE(excluded.full_object, full_object), updated_at = excluded.updated_at`,
      markCreateStarted: `UPDATE transfers SET create_started_at = @now, updated_at = @now WHERE id = @id`,
      deleteOtherParts: `DELETE FROM parts WHERE transfer_id = ? AND upload_id IS NOT ?`,
      setState: `UPDATE transfers SET state = @state, error_code = @errorCode, error_message = @errorMessage, updated_at = @now WHERE id = @id`,
      insertPart: `INSERT INTO parts (transfer_id, part_number, upload_id, size, etag, checksum, verified_by, completed_at)
                     VALUES (@transferId, @partNumber, @uploadId, @size, @etag, @checksum, @verifiedBy, @now)
                     ON CONFLICT (transfer_id, part_number) DO UPDATE SET
                       upload_id = excluded.upload_id, size = excluded.size, etag = excluded.etag,
                       checksum = excluded.checksum, verified_by = excluded.verified_by, completed_at = excluded.completed_at`,
      uploadIdOf: `SELECT upload_id FROM transfers WHERE id = ?`,
      deletePart: `DELETE FROM parts WHERE transfer_id = ? AND part_number = ?`,
      listParts: `SELECT part_number, size, etag, checksum, verified_by FROM parts WHERE transfer_id = ? ORDER BY part_number`,
      markCompleted: `UPDATE transfers SET object_etag = @etag, full_checksum = @fullChecksum, verification = @verification,
                        file_reread_at = @fileRereadAt, completed_at = @now, updated_at = @now WHERE id = @id`,
      ownerOf: `SELECT owner FROM transfers WHERE id = ?`,
      setOwner: `UPDATE transfers SET owner = ? WHERE id = ?`,
      release: `UPDATE transfers SET owner = NULL WHERE id = ? AND owner = ?`,
      insertEvent: `INSERT INTO events (transfer_id, at, level, type, message, data) VALUES (?, ?, ?, ?, ?, ?)`,
      getEvent: `SELECT * FROM events WHERE id = ?`,
      // The time index (0002) finds the newest old entry (reading only old entries, which after the
      // first prune are few); the deletes then walk id windows, each through events_by_transfer.
      lastEventBefore: `SELECT MAX(id) AS last FROM events INDEXED BY events_by_time WHERE at < ?`,
      firstEvent: `SELECT MIN(id) AS first FROM events`,
      pruneEvents: `DELETE FROM events WHERE id > @after AND id <= @upTo AND at < @before AND ${PRUNABLE}`,
    };
  }

  createTransfer(transfer: NewTransfer): TransferRecord {
    return this.guard(`journal the new transfer of ${transfer.filePath}`, () => {
      const now = this.now();
      this.db.transaction(() => {
        this.stmt.insertTransfer!.run({
          id: transfer.id,
          filePath: transfer.filePath,
          fileSize: transfer.fileSize,
          fileMtimeMs: transfer.fileMtimeMs,
          fileIdentity: transfer.fileIdentity,
          bucket: transfer.target.bucket,
          key: transfer.target.key,
          endpoint: transfer.target.endpoint,
          region: transfer.target.region,
          forcePathStyle: transfer.target.forcePathStyle ? 1 : 0,
          kmsKeyId: transfer.target.kmsKeyId ?? null,
          backendUrl: transfer.target.backend?.url ?? null,
          backendUploadId: transfer.target.backend?.uploadId ?? null,
          partSize: transfer.partSize,
          partCount: transfer.partCount,
          checksumType: transfer.checksumType,
          verifyFile: transfer.verifyFile ? 1 : 0,
          now,
        });
        this.insertEvent({
          transferId: transfer.id,
          level: 'info',
          type: 'transfer.created',
          message: `Queued ${transfer.filePath} for s3://${transfer.target.bucket}/${transfer.target.key}.`,
          data: { size: transfer.fileSize, partSize: transfer.partSize, partCount: transfer.partCount, endpoint: transfer.target.endpoint },
        }, now);
      })();
      return this.mustGet(transfer.id);
    });
  }

  getTransfer(id: string): TransferRecord | null {
    return this.guard(`read transfer ${id}`, () => {
      const row = this.stmt.getTransfer!.get(id) as TransferRow | undefined;
      return row ? toRecord(row) : null;
    });
  }

  listTransfers(filter: { states?: readonly TransferState[] } = {}): TransferRecord[] {
    return this.guard('list the transfers', () => {
      const rows = (this.stmt.listTransfers!.all() as TransferRow[]).map(toRecord);
      return filter.states ? rows.filter((r) => filter.states!.includes(r.state)) : rows;
    });
  }

  findUnfinished(filePath: string, target: Pick<TransferTarget, 'bucket' | 'key' | 'endpoint'>): TransferRecord | null {
    return this.guard('look for an earlier transfer of the file', () => {
      const row = this.stmt.findUnfinished!.get(filePath, target.bucket, target.key, target.endpoint) as TransferRow | undefined;
      return row ? toRecord(row) : null;
    });
  }

  setUploadId(id: string, uploadId: string | null, checksumType?: ChecksumType): void {
    return this.guard(`record the multipart upload of transfer ${id}`, () => {
      this.db.transaction(() => {
        this.mustGet(id);
        this.stmt.setUploadId!.run({ id, uploadId, checksumType: checksumType ?? null, now: this.now() });
        this.stmt.deleteOtherParts!.run(id, uploadId);
      })();
    });
  }

  markCreateStarted(id: string): void {
    return this.guard(`record that transfer ${id} is creating its upload`, () => {
      if (this.stmt.markCreateStarted!.run({ id, now: this.now() }).changes === 0) throw notFound(id);
    });
  }

  setState(id: string, state: TransferState, error: ErrorInfo | null = null): void {
    return this.guard(`record the new state of transfer ${id} (${state})`, () => {
      const result = this.stmt.setState!.run({ id, state, errorCode: error?.code ?? null, errorMessage: error?.message ?? null, now: this.now() });
      if (result.changes === 0) throw notFound(id);
    });
  }

  recordPart(id: string, uploadId: string, part: PartRecord): void {
    return this.guard(`record part ${part.partNumber} of transfer ${id}`, () => {
      this.db.transaction(() => {
        const row = this.stmt.uploadIdOf!.get(id) as { upload_id: string | null } | undefined;
        if (!row) throw notFound(id);
        // A part sent under an upload that was since replaced must not count for the new one.
        if (row.upload_id !== uploadId) {
          throw new DocksideError('UPLOAD_NOT_FOUND', `Part ${part.partNumber} belongs to upload ${uploadId}, which is no longer the transfer's upload.`);
        }
        this.stmt.insertPart!.run({
          transferId: id,
          uploadId,
          partNumber: part.partNumber,
          size: part.size,
          etag: part.etag,
          checksum: part.checksum,
          verifiedBy: part.verifiedBy ?? null,
          now: this.now(),
        });
      })();
    });
  }

  removeParts(id: string, partNumbers: readonly number[]): void {
    return this.guard(`forget parts of transfer ${id}`, () => {
      this.db.transaction(() => {
        for (const n of partNumbers) this.stmt.deletePart!.run(id, n);
      })();
    });
  }

  listParts(id: string): PartRecord[] {
    return this.guard(`read the parts of transfer ${id}`, () => {
      type Row = { part_number: number; size: number; etag: string; checksum: string; verified_by: PartVerification | null };
      return (this.stmt.listParts!.all(id) as Row[]).map((r) => ({
        partNumber: r.part_number,
        size: r.size,
        etag: r.etag,
        checksum: r.checksum,
        verifiedBy: r.verified_by,
      }));
    });
  }

  markCompleted(id: string, result: { etag: string; fullChecksum: string; verification: Verification; fileRereadAt: number | null }): void {
    return this.guard(`record that transfer ${id} is complete`, () => {
      const changed = this.stmt.markCompleted!.run({ id, ...result, now: this.now() });
      if (changed.changes === 0) throw notFound(id);
    });
  }

  setServerChecks(id: string, checks: ServerChecks): void {
    return this.guard(`record what the server of transfer ${id} checks`, () => {
      if (this.stmt.setServerChecks!.run({ id, checks: JSON.stringify(checks), now: this.now() }).changes === 0) throw notFound(id);
    });
  }

  setPartChecksum(id: string, mode: 'trailer' | 'header'): void {
    return this.guard(`record where transfer ${id} sends part checksums`, () => {
      if (this.stmt.setPartChecksum!.run({ id, mode, now: this.now() }).changes === 0) throw notFound(id);
    });
  }

  endpointQuirks(endpoint: string): EndpointQuirks | null {
    return this.guard(`read what is known of ${endpoint}`, () => {
      const row = this.stmt.getEndpoint!.get(endpoint) as { checksum_trailer: number | null; full_object: number | null } | undefined;
      return row ? { checksumTrailer: asBoolean(row.checksum_trailer), fullObject: asBoolean(row.full_object) } : null;
    });
  }

  rememberEndpointQuirks(endpoint: string, quirks: Partial<EndpointQuirks>): void {
    const bit = (value: boolean | null | undefined) => (value === undefined || value === null ? null : value ? 1 : 0);
    return this.guard(`remember what was learned of ${endpoint}`, () => {
      this.stmt.upsertEndpoint!.run({ endpoint, trailer: bit(quirks.checksumTrailer), fullObject: bit(quirks.fullObject), now: this.now() });
    });
  }

  claim(id: string, owner: string, isOwnerAlive: (owner: string) => boolean): boolean {
    return this.guard(`take transfer ${id} for this process`, () => {
      return this.db.transaction(() => {
        const row = this.stmt.ownerOf!.get(id) as { owner: string | null } | undefined;
        if (!row) throw notFound(id);
        if (row.owner !== null && row.owner !== owner && isOwnerAlive(row.owner)) return false;
        this.stmt.setOwner!.run(owner, id);
        return true;
      }).immediate();
    });
  }

  release(id: string, owner: string): void {
    return this.guard(`release transfer ${id}`, () => {
      this.stmt.release!.run(id, owner);
    });
  }

  appendLog(entry: NewLogEntry): TransferLogEntry {
    return this.guard(`add to the transfer log (${entry.type})`, () => {
      const id = this.insertEvent(entry, this.now());
      return toEntry(this.stmt.getEvent!.get(id) as EventRow);
    });
  }

  queryLog(query: LogQuery = {}): TransferLogEntry[] {
    return this.guard('read the transfer log', () => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query.transferId !== undefined) {
        where.push('transfer_id = ?');
        args.push(query.transferId);
      }
      if (query.minLevel !== undefined) {
        const levels = LEVELS.slice(LEVELS.indexOf(query.minLevel));
        where.push(`level IN (${levels.map(() => '?').join(', ')})`);
        args.push(...levels);
      }
      if (query.since !== undefined) {
        where.push('at >= ?');
        args.push(query.since);
      }
      if (query.until !== undefined) {
        where.push('at <= ?');
        args.push(query.until);
      }
      if (query.afterId !== undefined) {
        where.push('id > ?');
        args.push(query.afterId);
      }
      const limit = query.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(query.limit))}` : '';
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${limit}`;
      return (this.db.prepare(sql).all(...args) as EventRow[]).map(toEntry);
    });
  }

  pruneLog(before: number): number {
    return this.guard('remove old log entries', () => {
      const last = (this.stmt.lastEventBefore!.get(before) as { last: number | null }).last;
      const first = (this.stmt.firstEvent!.get() as { first: number | null }).first;
      if (last === null || first === null) return 0;
      let deleted = 0;
      for (let after = first - 1; after < last; after += PRUNE_BATCH_IDS) {
        deleted += this.stmt.pruneEvents!.run({ after, upTo: Math.min(after + PRUNE_BATCH_IDS, last), before }).changes;
      }
      return deleted;
    });
  }

  close(): void {
    return this.guard('be closed', () => {
      if (this.db.open) this.db.close();
    });
  }

  /** Runs `work`, turning whatever SQLite or the file system throws into a JOURNAL error (see journal-errors.ts). */
  private guard<T>(doing: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw journalError(error, this.path, doing);
    }
  }

  private insertEvent(entry: NewLogEntry, at: number): number {
    const data = entry.data === undefined ? null : JSON.stringify(entry.data);
    return Number(this.stmt.insertEvent!.run(entry.transferId, at, entry.level, entry.type, entry.message, data).lastInsertRowid);
  }

  private mustGet(id: string): TransferRecord {
    const record = this.getTransfer(id);
    if (!record) throw notFound(id);
    return record;
  }
}

/**
 * SQLite says only SQLITE_CANTOPEN when the folder is read-only or not ours (a WAL journal needs
 * to create its -wal and -shm files there): ask the file system, whose answer says which.
 */
function whyNotOpened(error: unknown, path: string): unknown {
  if ((error as { code?: unknown } | null)?.code !== 'SQLITE_CANTOPEN' || path === ':memory:') return error;
  try {
    accessSync(dirname(path), constants.W_OK);
    return error;
  } catch (denied) {
    return denied;
  }
}

function notFound(id: string): DocksideError {
  return new DocksideError('TRANSFER_NOT_FOUND', `No transfer ${id} in the journal. \`dockside ls\` lists them.`);
}

function toRecord(r: TransferRow): TransferRecord {
  return {
    id: r.id,
    filePath: r.file_path,
    fileSize: r.file_size,
    fileMtimeMs: r.file_mtime_ms,
    fileIdentity: r.file_identity,
    target: {
      bucket: r.bucket,
      key: r.object_key,
      endpoint: r.endpoint,
      region: r.region,
      forcePathStyle: r.force_path_style === 1,
      kmsKeyId: r.kms_key_id,
      backend: r.backend_url !== null && r.backend_upload_id !== null ? { url: r.backend_url, uploadId: r.backend_upload_id } : null,
    },
    uploadId: r.upload_id,
    partSize: r.part_size,
    partCount: r.part_count,
    checksumAlgorithm: 'CRC32',
    checksumType: r.checksum_type,
    state: r.state,
    fullChecksum: r.full_checksum,
    objectEtag: r.object_etag,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    owner: r.owner,
    createStartedAt: r.create_started_at ?? null,
    verifyFile: r.verify_file === 1,
    partChecksum: r.part_checksum,
    serverChecks: r.server_checks === null ? null : (JSON.parse(r.server_checks) as ServerChecks),
    verification: r.verification,
    fileRereadAt: r.file_reread_at,
    bytesDone: r.bytes_done,
    partsDone: r.parts_done,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
  };
}

function asBoolean(bit: number | null): boolean | null {
  return bit === null ? null : bit === 1;
}

function toEntry(r: EventRow): TransferLogEntry {
  return {
    id: r.id,
    transferId: r.transfer_id,
    at: r.at,
    level: r.level,
    type: r.type,
    message: r.message,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
  };
}
