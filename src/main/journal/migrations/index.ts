import { initial } from './0001-initial.js';
import { eventTimeIndex } from './0002-event-time-index.js';
import { createStarted } from './0003-create-started.js';
import { backendTarget } from './0004-backend-target.js';
import { verification } from './0005-verification.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in order. Append new ones at the end. */
export const MIGRATIONS: readonly Migration[] = [initial, eventTimeIndex, createStarted, backendTarget, verification];
