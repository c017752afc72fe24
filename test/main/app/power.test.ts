import { describe, expect, it, vi } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import type { TransferRecord, TransferState } from '../../../src/shared/transfer-model.js';
import { PowerCoordinator } from '../../../src/main/app/power.js';
import { record } from './fixtures.js';

vi.mock('electron', () => ({}));

type StateListener = (id: string, state: TransferState, error: null) => void;

function setup(initial: Array<[string, TransferState]> = []) {
  const records = new Map<string, TransferRecord>(initial.map(([id, state]) => [id, record({ id, state })]));
  const stateListeners = new Set<StateListener>();
  const setState = (id: string, state: TransferState) => {
    records.set(id, record({ id, state }));
    for (const l of stateListeners) l(id, state, null);
  };
  const gone = new Set<string>();
  const engine = {
    list: () => [...records.values()],
    start: vi.fn((id: string) => {
      if (gone.has(id)) throw new DocksideError('INVALID_STATE', `Transfer ${id} is completed.`);
      setState(id, 'queued');
    }),
    pauseAll: vi.fn(async (_reason?: string) => {
      for (const r of records.values()) if (['queued', 'running', 'completing'].includes(r.state)) setState(r.id, 'paused');
    }),
    on: (_event: 'state', listener: StateListener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
  let nextId = 1;
  const started = new Set<number>();
  const blocker = {
    start: vi.fn((_type: string) => {
      started.add(nextId);
      return nextId++;
    }),
    stop: vi.fn((id: number) => started.delete(id)),
    isStarted: (id: number) => started.has(id),
  };
  const monitorListeners = new Map<string, Set<() => void>>();
  const monitor = {
    on: vi.fn((event: string, l: () => void) => (monitorListeners.get(event) ?? monitorListeners.set(event, new Set()).get(event)!).add(l)),
    off: vi.fn((event: string, l: () => void) => monitorListeners.get(event)?.delete(l)),
  };
  const fire = (event: string) => monitorListeners.get(event)?.forEach((l) => l());
  const power = new PowerCoordinator({ engine: engine as never, blocker: blocker as never, monitor: monitor as never });
  return { power, engine, blocker, started, fire, setState, gone, monitorListeners };
}

describe('PowerCoordinator', () => {
  it('holds a prevent-app-suspension blocker exactly while something uploads', () => {
    const { power, blocker, started, setState } = setup([['a', 'paused']]);
    expect(power.preventingSleep).toBe(false);
    setState('a', 'running');
    setState('b', 'queued');
    expect(blocker.start).toHaveBeenCalledOnce();
    expect(blocker.start).toHaveBeenCalledWith('prevent-app-suspension');
    setState('a', 'completed');
    expect(power.preventingSleep).toBe(true);
    setState('b', 'failed');
    expect(power.preventingSleep).toBe(false);
    expect(started.size).toBe(0);
  });

  it('starts blocking at once when transfers were already running', () => {
    const { power } = setup([['a', 'running']]);
    expect(power.preventingSleep).toBe(true);
  });

  it('pauses on suspend and resumes exactly what was moving on wake', async () => {
    const { power, engine, fire, setState } = setup([['a', 'running'], ['b', 'queued'], ['c', 'paused'], ['d', 'failed']]);
    fire('suspend');
    expect(engine.pauseAll).toHaveBeenCalledWith('shutdown');
    await Promise.resolve();
    expect(power.preventingSleep).toBe(false);
    setState('c', 'paused');
    fire('resume');
    expect(engine.start.mock.calls.map(([id]) => id).sort()).toEqual(['a', 'b']);
    expect(power.preventingSleep).toBe(true);
    // A second wake resumes nothing more.
    fire('resume');
    expect(engine.start).toHaveBeenCalledTimes(2);
  });

  it('pauses when the network goes and resumes exactly that when it returns; a sleep meanwhile adds to the list', async () => {
    const { power, engine, fire } = setup([['a', 'running'], ['c', 'paused']]);
    power.setOnline(false);
    expect(engine.pauseAll).toHaveBeenCalledWith('shutdown');
    await Promise.resolve();
    fire('suspend'); // nothing moves any more: nothing more to remember
    power.setOnline(true);
    expect(engine.start.mock.calls.map(([id]) => id)).toEqual(['a']);
    power.setOnline(true);
    expect(engine.start).toHaveBeenCalledTimes(1);
  });

  it('pauses on shutdown too, and skips on wake what cannot start any more', async () => {
    const { engine, fire, gone } = setup([['a', 'running'], ['b', 'running']]);
    fire('shutdown');
    await Promise.resolve();
    gone.add('a');
    fire('resume');
    expect(engine.start.mock.calls.map(([id]) => id)).toEqual(['a', 'b']);
  });

  it('does nothing on suspend when idle', () => {
    const { engine, fire } = setup([['c', 'paused']]);
    fire('suspend');
    expect(engine.pauseAll).not.toHaveBeenCalled();
  });

  it('dispose releases the blocker and the listeners', () => {
    const { power, started, monitorListeners, setState, blocker } = setup([['a', 'running']]);
    power.dispose();
    expect(started.size).toBe(0);
    expect([...monitorListeners.values()].every((s) => s.size === 0)).toBe(true);
    setState('b', 'running');
    expect(blocker.start).toHaveBeenCalledOnce();
  });
});
