/**
 * What to start again when the app (or the harness) starts: what a crash, a quit or sleep
 * stopped, never what the user paused or what failed (that waits for Retry).
 */
import type { TransferLogEntry, TransferRecord } from '../../shared/transfer-model.js';
import type { UploadJournal } from '../engine/index.js';

/** Whether a `transfer.paused` entry records a pause Dockside made itself (quit), not the user's. */
function pausedByDockside(entry: TransferLogEntry | null): boolean {
  return entry?.data?.['reason'] === 'shutdown';
}

/**
 * Transfers to resume at launch: those a crash or power loss left queued, running or completing,
 * and those Dockside paused itself when it quit or the machine slept. A transfer the user paused
 * stays paused; a failed one waits for Retry. `lastPause` gives a transfer's latest
 * `transfer.paused` log entry.
 */
export function transfersToResumeOnLaunch(records: readonly TransferRecord[], lastPause: (id: string) => TransferLogEntry | null): string[] {
  return records
    .filter((record) => {
      switch (record.state) {
        case 'queued':
        case 'running':
        case 'completing':
          return true;
        case 'paused':
          return pausedByDockside(lastPause(record.id));
        case 'failed':
        case 'completed':
        case 'cancelled':
          return false;
      }
    })
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((record) => record.id);
}

/** The transfer's latest `transfer.paused` log entry. */
export function lastPause(journal: Pick<UploadJournal, 'queryLog'>, id: string): TransferLogEntry | null {
  return journal.queryLog({ transferId: id, minLevel: 'info' }).findLast((entry) => entry.type === 'transfer.paused') ?? null;
}

/**
 * Starts what `transfersToResumeOnLaunch` picks, noting in each transfer's log why it started
 * without anyone asking (support staff read this). A transfer another process holds, or one that
 * cannot start, keeps its state and the reason goes to `log`.
 */
export function resumeUnfinished(
  engine: { list(): readonly TransferRecord[]; start(id: string): void },
  journal: Pick<UploadJournal, 'queryLog' | 'appendLog'>,
  log: (message: string, error?: unknown) => void,
): string[] {
  const started: string[] = [];
  for (const id of transfersToResumeOnLaunch(engine.list(), (transferId) => lastPause(journal, transferId))) {
    try {
      engine.start(id);
      started.push(id);
      journal.appendLog({
        transferId: id,
        level: 'info',
        type: 'transfer.recovered',
        message: 'Dockside started again and picked this upload up where it stopped (it was interrupted by a quit, a crash, sleep or a restart).',
      });
    } catch (error) {
      log(`Transfer ${id} not resumed`, error);
    }
  }
  return started;
}
