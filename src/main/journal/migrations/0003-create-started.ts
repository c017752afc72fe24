import type { Migration } from './migration.js';

/**
 * When a CreateMultipartUpload was sent and its upload id not yet journaled: a process killed in
 * between leaves an upload on S3 that no transfer knows; the next run looks for it.
 */
export const createStarted: Migration = {
  version: 3,
  name: 'create-started',
  up: (db) => {
    db.exec(`ALTER TABLE transfers ADD COLUMN create_started_at INTEGER;`);
  },
};
