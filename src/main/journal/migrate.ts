/**
 * Schema migrations on SQLite's user_version (Signal Desktop's way): all pending migrations run
 * in one transaction; user_version records the result; a database from a newer Dockside is
 * refused rather than guessed at.
 */
import type { Database } from 'better-sqlite3';
import { DocksideError } from '../../shared/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

/** Throws JOURNAL_FROM_FUTURE when `db` has a newer schema than `migrations` know; else its version. */
export function assertNotFromFuture(db: Database, migrations: readonly Migration[], where: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new DocksideError(
      'JOURNAL_FROM_FUTURE',
      `${where} was written by a newer Dockside (schema version ${version}; this one knows up to ${migrations.length}). Update Dockside, or point DOCKSIDE_HOME elsewhere. Nothing was changed.`,
    );
  }
  return version;
}

/**
 * Brings `db` to the newest schema in `migrations`. Safe against other processes opening the same
 * fresh journal at once: the version that decides what to run is read under the write lock.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, where = 'the journal'): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} has version ${m.version}; expected ${i + 1}.`);
  });
  const latest = migrations.length;
  // Most opens find the schema current: no write lock for them.
  const seen = assertNotFromFuture(db, migrations, where);
  if (seen === latest) return { from: seen, to: seen, applied: [] };
  return db
    .transaction((): MigrationResult => {
      // Read again under BEGIN IMMEDIATE: another process may have migrated since `seen` was read
      // (two first runs at once both saw 0 and the second failed on "table already exists").
      const from = assertNotFromFuture(db, migrations, where);
      const pending = migrations.slice(from);
      for (const m of pending) m.up(db);
      if (pending.length > 0) db.pragma(`user_version = ${latest}`);
      return { from, to: latest, applied: pending.map((m) => `${String(m.version).padStart(4, '0')}-${m.name}`) };
    })
    .immediate();
}
