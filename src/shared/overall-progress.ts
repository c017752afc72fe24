/**
 * Totals over the whole queue, for the overall bar in the window and the tray's tooltip: bytes
 * done of the total, the aggregate speed and the time left of what is moving.
 */
import type { TransferView } from './ipc-contract.js';

export interface OverallProgress {
  /** Transfers counted (all but cancelled ones). */
  readonly count: number;
  readonly active: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Sum of the speeds of running transfers. */
  readonly bytesPerSecond: number;
  /**
   * Seconds until the transfers that are moving (queued, running, completing) are done at the
   * aggregate speed; 0 when none has bytes left; null when unknown (nothing is moving yet).
   * Paused and failed transfers do not move on their own, so they do not count here.
   */
  readonly etaSeconds: number | null;
}

const MOVING = new Set<TransferView['state']>(['queued', 'running', 'completing']);

/** Totals behind the overall bar. Cancelled transfers are left out: their bytes will never arrive. */
export function overallProgress(transfers: readonly TransferView[]): OverallProgress {
  let count = 0;
  let active = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  let bytesPerSecond = 0;
  let bytesLeftMoving = 0;
  for (const transfer of transfers) {
    if (transfer.state === 'cancelled') continue;
    count += 1;
    const done = transfer.state === 'completed' ? transfer.size : Math.min(transfer.bytesDone, transfer.size);
    bytesDone += done;
    bytesTotal += transfer.size;
    if (transfer.state === 'running') bytesPerSecond += transfer.bytesPerSecond;
    if (MOVING.has(transfer.state)) {
      active += 1;
      bytesLeftMoving += transfer.size - done;
    }
  }
  const etaSeconds = bytesLeftMoving === 0 ? 0 : bytesPerSecond > 0 ? bytesLeftMoving / bytesPerSecond : null;
  return { count, active, bytesDone, bytesTotal, bytesPerSecond, etaSeconds };
}

