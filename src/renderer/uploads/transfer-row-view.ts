/**
 * What one row of the queue shows, worked out from a TransferView: numbers for the progress bar,
 * text for people (`12.4 GB of 40.0 GB`, `85.0 MB/s`, `about 9 min left`) and which buttons work.
 */
import type { TransferView } from '../../shared/ipc-contract.js';
import type { TransferState } from '../../shared/transfer-model.js';
import { formatBytes, formatEta, formatPercent, formatRate } from '../../shared/units.js';
import { asSentence, describeVerification, isWeakVerification } from '../../shared/verification.js';
import { assertNever } from './transfers-state.js';

export type TransferAction = 'pause' | 'resume' | 'cancel' | 'retry';
export const TRANSFER_ACTIONS: readonly TransferAction[] = ['pause', 'resume', 'cancel', 'retry'];

export interface TransferRowView {
  readonly id: string;
  readonly fileName: string;
  readonly destination: string;
  readonly state: TransferState;
  readonly stateLabel: string;
  /** 0–100 with one decimal, for `aria-valuenow`; below 100 until the transfer is completed. */
  readonly percent: number;
  readonly percentText: string;
  readonly bytesText: string;
  /** Speed while running, otherwise empty. */
  readonly speedText: string;
  /** Time left, or what the transfer is waiting for. */
  readonly etaText: string;
  /** Why it failed, or why the server cancelled it, in words a person can act on; null otherwise. */
  readonly errorText: string | null;
  /** What verified it once done, in words (null before); `weak` when only sizes were compared. */
  readonly verification: { readonly text: string; readonly weak: boolean } | null;
  readonly actions: Readonly<Record<TransferAction, boolean>>;
}

const STATE_LABELS: Record<TransferState, string> = {
  queued: 'Queued',
  running: 'Uploading',
  paused: 'Paused',
  completing: 'Finishing',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A person's word for a transfer state. */
export function stateLabel(state: TransferState): string {
  return STATE_LABELS[state];
}

/** Progress as a number for `aria-valuenow`, matching formatPercent: one decimal, never 100 before done. */
export function percentValue(done: number, total: number): number {
  if (total <= 0) return done >= total ? 100 : 0;
  if (done >= total) return 100;
  return Math.min(99.9, Math.max(0, Math.round((done / total) * 1000) / 10));
}

/** Which buttons a row enables in each state. */
export function enabledActions(transfer: Pick<TransferView, 'state' | 'error'>): Record<TransferAction, boolean> {
  const { state } = transfer;
  const retryable = state === 'failed' && (transfer.error?.retryable ?? true);
  return {
    pause: state === 'running' || state === 'queued',
    resume: state === 'paused' || retryable,
    cancel: state !== 'completed' && state !== 'cancelled',
    retry: state === 'failed',
  };
}

function etaText(transfer: TransferView): string {
  if (transfer.checking !== null && (transfer.state === 'running' || transfer.state === 'completing')) {
    const { what, bytesDone, bytesTotal } = transfer.checking;
    const subject = what === 'sample' ? 'checking parts already sent' : 'reading the file again to check it';
    return `${subject}: ${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}`;
  }
  switch (transfer.state) {
    case 'running':
      return formatEta(transfer.etaSeconds);
    case 'queued':
      return 'waiting to start';
    case 'paused':
      return 'paused';
    case 'completing':
      return 'finishing…';
    case 'completed':
      return 'done';
    case 'failed':
      return 'stopped';
    case 'cancelled':
      return 'cancelled';
    default:
      return assertNever(transfer.state);
  }
}

/** Cancelled by the backend (not by the user here): the engine journals why (UPLOAD_CANCELLED). */
function cancelledByServer(transfer: Pick<TransferView, 'state' | 'error'>): boolean {
  return transfer.state === 'cancelled' && transfer.error?.code === 'UPLOAD_CANCELLED';
}

function errorText(transfer: TransferView): string | null {
  if (transfer.state === 'failed') return transfer.error?.message ?? 'The upload stopped for an unknown reason.';
  return cancelledByServer(transfer) ? transfer.error!.message : null;
}

/** The row's view model. */
export function transferRowView(transfer: TransferView): TransferRowView {
  const done = transfer.state === 'completed' ? transfer.size : Math.min(transfer.bytesDone, transfer.size);
  return {
    id: transfer.id,
    fileName: transfer.fileName,
    destination: transfer.destination,
    state: transfer.state,
    stateLabel: cancelledByServer(transfer) ? 'Cancelled on the server' : stateLabel(transfer.state),
    percent: percentValue(done, transfer.size),
    percentText: formatPercent(done, transfer.size),
    bytesText: `${formatBytes(done)} of ${formatBytes(transfer.size)}`,
    speedText: transfer.state === 'running' ? formatRate(transfer.bytesPerSecond) : '',
    etaText: etaText(transfer),
    errorText: errorText(transfer),
    actions: enabledActions(transfer),
    verification:
      transfer.state === 'completed' && transfer.verification !== null
        ? { text: asSentence(describeVerification(transfer.verification, transfer.fileReread)), weak: isWeakVerification(transfer.verification, transfer.fileReread) }
        : null,
  };
}
