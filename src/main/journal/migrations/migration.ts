import type { Database } from 'better-sqlite3';

/** One schema step. Files are numbered, append-only: never edit a released migration. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}
