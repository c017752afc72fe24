/**
 * The transfer state machine, pure: which state changes are allowed. Every change the engine
 * makes goes through `transition`, so an impossible one (completed -> running) is an error, not
 * a silent corruption of the journal.
 */
import { DocksideError } from '../../shared/errors.js';
import type { TransferState } from '../../shared/transfer-model.js';

export type TransferCommand = 'start' | 'complete-parts' | 'finish' | 'pause' | 'fail' | 'cancel' | 'requeue';

const TABLE: Readonly<Record<TransferState, Partial<Record<TransferCommand, TransferState>>>> = {
  queued: { start: 'running', pause: 'paused', cancel: 'cancelled', fail: 'failed' },
  running: { 'complete-parts': 'completing', pause: 'paused', fail: 'failed', cancel: 'cancelled', requeue: 'queued' },
  completing: { finish: 'completed', pause: 'paused', fail: 'failed', cancel: 'cancelled', requeue: 'queued', start: 'running' },
  paused: { start: 'running', requeue: 'queued', cancel: 'cancelled', fail: 'failed' },
  failed: { start: 'running', requeue: 'queued', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
};

/** The state after `command`, or a DocksideError INVALID_STATE when the command is not allowed. */
export function transition(from: TransferState, command: TransferCommand): TransferState {
  const to = TABLE[from][command];
  if (!to) {
    throw new DocksideError('INVALID_STATE', `A ${from} transfer cannot ${command.replace('-', ' ')}.`);
  }
  return to;
}

/** Whether `command` is allowed in state `from`. */
export function canTransition(from: TransferState, command: TransferCommand): boolean {
  return TABLE[from][command] !== undefined;
}
