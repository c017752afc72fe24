import type { Migration } from './migration.js';

/**
 * What verified each part and the object, and what was learned about the endpoint:
 *  - transfers.verify_file: re-read the whole file before completing (--verify-file);
 *  - transfers.part_checksum: where part CRC32s go for this transfer once learned (trailer/header);
 *  - transfers.server_checks: what the server was found to check for the current upload (JSON);
 *  - transfers.verification, file_reread_at: the evidence behind a completed transfer;
 *  - parts.verified_by: what the server checked of that part (crc32, content-md5, or nothing);
 *  - endpoints: fallbacks learned once per endpoint, so later transfers start with them.
 */
export const verification: Migration = {
  version: 5,
  name: 'verification',
  up: (db) => {
    db.exec(`
      ALTER TABLE transfers ADD COLUMN verify_file INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE transfers ADD COLUMN part_checksum TEXT CHECK (part_checksum IN ('trailer', 'header'));
      ALTER TABLE transfers ADD COLUMN server_checks TEXT;
      ALTER TABLE transfers ADD COLUMN verification TEXT
        CHECK (verification IN ('server-checksum', 'part-checksums', 'content-md5', 'size-only'));
      ALTER TABLE transfers ADD COLUMN file_reread_at INTEGER;
      ALTER TABLE parts ADD COLUMN verified_by TEXT CHECK (verified_by IN ('crc32', 'content-md5'));

      CREATE TABLE endpoints (
        endpoint         TEXT PRIMARY KEY,
        checksum_trailer INTEGER CHECK (checksum_trailer IN (0, 1)),
        full_object      INTEGER CHECK (full_object IN (0, 1)),
        updated_at       INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
