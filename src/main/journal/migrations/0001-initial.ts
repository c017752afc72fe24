import type { Migration } from './migration.js';

/** Transfers, their committed parts, and the append-only transfer log. */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: (db) => {
    db.exec(`
      CREATE TABLE transfers (
        id                 TEXT PRIMARY KEY,
        file_path          TEXT NOT NULL,
        file_size          INTEGER NOT NULL CHECK (file_size >= 0),
        file_mtime_ms      INTEGER NOT NULL,
        file_identity      TEXT NOT NULL,
        bucket             TEXT NOT NULL,
        object_key         TEXT NOT NULL,
        endpoint           TEXT,
        region             TEXT NOT NULL,
        force_path_style   INTEGER NOT NULL,
        upload_id          TEXT,
        part_size          INTEGER NOT NULL CHECK (part_size > 0),
        part_count         INTEGER NOT NULL CHECK (part_count BETWEEN 1 AND 10000),
        checksum_algorithm TEXT NOT NULL DEFAULT 'CRC32',
        checksum_type      TEXT NOT NULL CHECK (checksum_type IN ('FULL_OBJECT', 'COMPOSITE')),
        state              TEXT NOT NULL CHECK (state IN ('queued','running','paused','completing','completed','failed','cancelled')),
        full_checksum      TEXT,
        object_etag        TEXT,
        error_code         TEXT,
        error_message      TEXT,
        owner              TEXT,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        completed_at       INTEGER
      );
      CREATE INDEX transfers_by_state ON transfers (state);
      CREATE INDEX transfers_by_file ON transfers (file_path, bucket, object_key);

      CREATE TABLE parts (
        transfer_id  TEXT NOT NULL REFERENCES transfers (id) ON DELETE CASCADE,
        part_number  INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
        upload_id    TEXT NOT NULL,
        size         INTEGER NOT NULL CHECK (size >= 0),
        etag         TEXT NOT NULL,
        checksum     TEXT NOT NULL,
        completed_at INTEGER NOT NULL,
        PRIMARY KEY (transfer_id, part_number)
      ) WITHOUT ROWID;

      CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        transfer_id TEXT REFERENCES transfers (id) ON DELETE CASCADE,
        at          INTEGER NOT NULL,
        level       TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
        type        TEXT NOT NULL,
        message     TEXT NOT NULL,
        data        TEXT
      );
      CREATE INDEX events_by_transfer ON events (transfer_id, id);

      -- The transfer log is what support staff read: entries are never rewritten.
      CREATE TRIGGER events_append_only BEFORE UPDATE ON events
      BEGIN
        SELECT RAISE(ABORT, 'the transfer log is append-only');
      END;
    `);
  },
};
