/** The journal's public surface: the only module that uses better-sqlite3. */
export { SqliteJournal, type SqliteJournalOptions } from './sqlite-journal.js';
export { migrate, type MigrationResult } from './migrate.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
