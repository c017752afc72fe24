import type { Migration } from './migration.js';

/**
 * Transfers the companion backend set up: the SSE-KMS key to name, and which backend upload vends
 * their credentials (the backend's URL, never the sign-in token).
 */
export const backendTarget: Migration = {
  version: 4,
  name: 'backend-target',
  up: (db) => {
    db.exec(`
      ALTER TABLE transfers ADD COLUMN kms_key_id TEXT;
      ALTER TABLE transfers ADD COLUMN backend_url TEXT;
      ALTER TABLE transfers ADD COLUMN backend_upload_id TEXT;
    `);
  },
};
