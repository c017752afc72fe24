/**
 * Log retention: the transfer log would otherwise grow for as long as Dockside is installed. At
 * start the app and the CLI drop entries older than the retention period, except the whole story
 * of every transfer that has not ended (support needs it to explain a stuck or failed upload).
 */
import { DocksideError, type ErrorInfo } from '../../shared/errors.js';
import type { PrunableLog, UploadJournal } from '../engine/index.js';

/** How long log entries are kept when no setting says otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 90;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LogRetentionResult {
  /** Entries deleted. */
  readonly deleted: number;
  /** Entries written before this time (epoch ms) were candidates; null when retention is off. */
  readonly cutoff: number | null;
  /** Set when pruning failed; the failure is also written to the log as a warning. */
  readonly error: ErrorInfo | null;
}

/**
 * Deletes log entries older than `days` days before `now`, keeping every entry of unfinished
 * transfers, and notes what it removed in the log. `days` null keeps everything. A failure (the
 * journal busy in another process, say) never stops the caller: it is logged and returned.
 */
export function applyLogRetention(
  journal: PrunableLog & Pick<UploadJournal, 'appendLog'>,
  days: number | null = DEFAULT_LOG_RETENTION_DAYS,
  now: number = Date.now(),
): LogRetentionResult {
  if (days === null) return { deleted: 0, cutoff: null, error: null };
  if (!Number.isFinite(days) || days <= 0) {
    throw new DocksideError('INVALID_INPUT', `Log retention of ${days} days: use a positive number of days, or none to keep the log forever.`);
  }
  const cutoff = now - days * DAY_MS;
  try {
    const deleted = journal.pruneLog(cutoff);
    if (deleted > 0) {
      journal.appendLog({
        transferId: null,
        level: 'info',
        type: 'log.pruned',
        message: `Removed ${deleted} log ${deleted === 1 ? 'entry' : 'entries'} older than ${days} days (before ${new Date(cutoff).toISOString()}); entries of unfinished transfers are kept.`,
        data: { deleted, days, before: cutoff },
      });
    }
    return { deleted, cutoff, error: null };
  } catch (error) {
    const info: ErrorInfo =
      error instanceof DocksideError ? error.toInfo() : { code: 'JOURNAL', message: (error as Error)?.message ?? String(error), retryable: false };
    try {
      journal.appendLog({ transferId: null, level: 'warn', type: 'log.prune-failed', message: `Old log entries were not removed: ${info.message}`, data: { days } });
    } catch {
      // The journal refuses writes altogether; the caller gets the error and opening it will say more.
    }
    return { deleted: 0, cutoff, error: info };
  }
}
