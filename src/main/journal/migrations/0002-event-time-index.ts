import type { Migration } from './migration.js';

/** `dockside log --since/--until` and level filters scan by time; index it. */
export const eventTimeIndex: Migration = {
  version: 2,
  name: 'event-time-index',
  up: (db) => {
    db.exec(`CREATE INDEX events_by_time ON events (at, level);`);
  },
};
