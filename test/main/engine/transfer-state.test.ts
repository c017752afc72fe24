import { describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { TERMINAL_STATES, TRANSFER_STATES, type TransferState } from '../../../src/shared/transfer-model.js';
import { canTransition, transition, type TransferCommand } from '../../../src/main/engine/transfer-state.js';

const COMMANDS: readonly TransferCommand[] = ['start', 'complete-parts', 'finish', 'pause', 'fail', 'cancel', 'requeue'];

// The documented state machine, written out independently of the source's table: every pair not
// listed here must be refused.
const ALLOWED: Readonly<Record<TransferState, Partial<Record<TransferCommand, TransferState>>>> = {
  queued: { start: 'running', pause: 'paused', cancel: 'cancelled', fail: 'failed' },
  running: { 'complete-parts': 'completing', pause: 'paused', fail: 'failed', cancel: 'cancelled', requeue: 'queued' },
  // A crash or pause while completing resumes by running again (list parts, then complete).
  completing: { finish: 'completed', pause: 'paused', fail: 'failed', cancel: 'cancelled', requeue: 'queued', start: 'running' },
  paused: { start: 'running', requeue: 'queued', cancel: 'cancelled', fail: 'failed' },
  failed: { start: 'running', requeue: 'queued', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
};

const pairs = TRANSFER_STATES.flatMap((state) => COMMANDS.map((command) => [state, command] as const));
const allowed = pairs.filter(([s, c]) => ALLOWED[s][c] !== undefined).map(([s, c]) => [s, c, ALLOWED[s][c]!] as const);
const refused = pairs.filter(([s, c]) => ALLOWED[s][c] === undefined);

function refusal(from: TransferState, command: TransferCommand): DocksideError {
  try {
    transition(from, command);
  } catch (error) {
    expect(error).toBeInstanceOf(DocksideError);
    return error as DocksideError;
  }
  throw new Error(`expected ${from} --${command}--> to be refused`);
}

describe('transfer state machine', () => {
  it('covers all 7 x 7 pairs', () => {
    expect(pairs).toHaveLength(49);
    expect(allowed.length + refused.length).toBe(49);
    expect(allowed).toHaveLength(22);
  });

  it.each(allowed)('%s --%s--> %s', (from, command, to) => {
    expect(transition(from, command)).toBe(to);
    expect(canTransition(from, command)).toBe(true);
  });

  it.each(refused)('%s --%s--> refused with INVALID_STATE', (from, command) => {
    const error = refusal(from, command);
    expect(error.code).toBe('INVALID_STATE');
    expect(error.retryable).toBe(false);
    // The message names the state and the command (with a space for complete-parts).
    expect(error.message).toContain(from);
    expect(error.message).toContain(command.replace('-', ' '));
    expect(canTransition(from, command)).toBe(false);
  });

  it.each(['completed', 'cancelled'] as const)('%s is terminal: every command throws', (state) => {
    expect(TERMINAL_STATES.has(state)).toBe(true);
    for (const command of COMMANDS) {
      expect(() => transition(state, command)).toThrow(DocksideError);
      expect(canTransition(state, command)).toBe(false);
    }
  });

  it.each(TRANSFER_STATES.filter((s) => !TERMINAL_STATES.has(s)))('%s can still be cancelled', (state) => {
    expect(transition(state, 'cancel')).toBe('cancelled');
  });

  it('reaches completed only through completing', () => {
    const into = allowed.filter(([, , to]) => to === 'completed');
    expect(into).toEqual([['completing', 'finish', 'completed']]);
  });
});
