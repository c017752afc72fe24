/** The real clock. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from './ports.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) {
      signal?.throwIfAborted();
      return;
    }
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      // Surface the caller's reason (pause, cancel), not the timer's generic AbortError.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  },
};
