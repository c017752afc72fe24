/**
 * The Uploads view's state: the transfers main knows about, kept up to date from `transfers:list`
 * and the `transfers:changed` event, plus the totals behind the overall bar. Pure and table-tested.
 */
import type { TransferView } from '../../shared/ipc-contract.js';
import { recordThroughput, type ThroughputHistory } from './throughput.js';

export interface TransfersState {
  /** In queue order: oldest first, ties by id, so rows do not jump around as events arrive. */
  readonly transfers: readonly TransferView[];
  /** Recent speeds per transfer, for the throughput chart. */
  readonly throughput: ThroughputHistory;
}

export type TransfersAction =
  /** A full list (`transfers:list`): replaces everything known. */
  | { readonly type: 'listed'; readonly transfers: readonly TransferView[] }
  /**
   * `transfers:changed` or the answer to `transfers:add`: the transfers named are replaced or added,
   * the others are kept, so the reducer is right whether main sends every transfer or only the changed.
   * An older snapshot (smaller `updatedAt`) never overwrites a newer one.
   */
  | { readonly type: 'changed'; readonly transfers: readonly TransferView[] };

export const initialTransfersState: TransfersState = { transfers: [], throughput: new Map() };

function byQueueOrder(a: TransferView, b: TransferView): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Applies one list or event to the state. */
export function transfersReducer(state: TransfersState, action: TransfersAction): TransfersState {
  switch (action.type) {
    case 'listed':
      return { transfers: [...action.transfers].sort(byQueueOrder), throughput: recordThroughput(state.throughput, action.transfers) };
    case 'changed': {
      if (action.transfers.length === 0) return state;
      const byId = new Map(state.transfers.map((transfer) => [transfer.id, transfer]));
      for (const transfer of action.transfers) {
        const known = byId.get(transfer.id);
        if (known === undefined || known.updatedAt <= transfer.updatedAt) byId.set(transfer.id, transfer);
      }
      const transfers = [...byId.values()].sort(byQueueOrder);
      return { transfers, throughput: recordThroughput(state.throughput, transfers) };
    }
    default:
      return assertNever(action);
  }
}

export { overallProgress, type OverallProgress } from '../../shared/overall-progress.js';

/** For exhaustive switches: a compile error when a case is missing, a throw if one slips through. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
