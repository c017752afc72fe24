/**
 * What S3ObjectStore does to each agent it hands the SDK: every request through it gives pooled
 * part buffers back once written (chunk-pool.ts) and holds its body until "100 Continue"
 * (continue-gate.ts). One hook on `addRequest`, which runs before the request sends anything.
 */
import type http from 'node:http';
import { type ChunkPool, returnChunksOnceWritten } from './chunk-pool.js';
import { CONTINUE_WAIT_MS, holdBodyUntilContinue } from './continue-gate.js';

const HOOKED = Symbol('dockside.storeAgent');

/** Hooks `agent` (once: a second call changes nothing) and returns it. */
export function hookStoreAgent<A extends object>(agent: A, pool: ChunkPool, waitMs = CONTINUE_WAIT_MS): A {
  const target = agent as unknown as { addRequest(req: http.ClientRequest, options: unknown): void; [HOOKED]?: true };
  // A second gate would wait for a "100 Continue" the first one already consumed.
  if (target[HOOKED]) return agent;
  target[HOOKED] = true;
  const addRequest = target.addRequest.bind(agent);
  target.addRequest = (req, options) => {
    // In this order: the gate replays held writes through the pool's wrapper, and puts it back
    // (not the plain write) when it steps aside.
    returnChunksOnceWritten(req, pool);
    holdBodyUntilContinue(req, waitMs);
    addRequest(req, options);
  };
  return agent;
}
