// The read buffers of part bodies: lent out, given back only when a request has written them,
// and then reused instead of allocated (chunk-pool.ts), through the hook S3ObjectStore puts on
// its agents (store-agents.ts).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ChunkPool } from '../../../src/main/engine/chunk-pool.js';
import { hookStoreAgent } from '../../../src/main/engine/store-agents.js';

describe('ChunkPool', () => {
  it('reuses a released buffer instead of allocating, and lends shorter views of it', () => {
    const pool = new ChunkPool(1024, 4);
    const a = pool.acquire(1024);
    expect(pool.stats()).toEqual({ allocated: 1, free: 0 });
    pool.release(a);
    const b = pool.acquire(100);
    expect(b.length).toBe(100);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.stats().allocated).toBe(1);
    expect(pool.owns(b)).toBe(true);
    expect(pool.owns(a)).toBe(false);
  });

  it('never lends one buffer twice: a second release, or one of a stranger, changes nothing', () => {
    const pool = new ChunkPool(64, 4);
    const a = pool.acquire(64);
    pool.release(a);
    pool.release(a);
    pool.release(Buffer.alloc(64));
    const x = pool.acquire(64);
    const y = pool.acquire(64);
    expect(x.buffer).not.toBe(y.buffer);
    expect(pool.stats()).toEqual({ allocated: 2, free: 0 });
  });

  it('keeps at most `keep` buffers; sizes it does not serve are plain Buffers it does not own', () => {
    const pool = new ChunkPool(64, 2);
    const lent = [pool.acquire(64), pool.acquire(64), pool.acquire(64)];
    for (const chunk of lent) pool.release(chunk);
    expect(pool.stats()).toEqual({ allocated: 3, free: 2 });
    const big = pool.acquire(65);
    expect(big.length).toBe(65);
    expect(pool.owns(big)).toBe(false);
  });
});

/** A stand-in for an http.Agent and its ClientRequest: write() takes a callback it calls when "flushed". */
function fakeAgent() {
  const pending: Array<() => void> = [];
  const agent = {
    requests: [] as Array<{ write: (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean }>,
    addRequest(req: { write: (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean }) {
      this.requests.push(req);
    },
  };
  const request = () =>
    Object.assign(new EventEmitter(), {
      getHeader: () => undefined, // no Expect header: the continue gate stays out of the way
      write(_chunk: unknown, encoding?: unknown, cb?: unknown) {
        const done = typeof encoding === 'function' ? encoding : cb;
        pending.push(() => (done as (() => void) | undefined)?.());
        return true;
      },
    });
  return { agent, request, flush: () => pending.splice(0).forEach((f) => f()) };
}

describe('hookStoreAgent', () => {
  it('gives a pooled chunk back only once the request has flushed it, and still calls the caller back', () => {
    const pool = new ChunkPool(64, 4);
    const { agent, request, flush } = fakeAgent();
    hookStoreAgent(agent, pool);
    const req = request();
    agent.addRequest(req);
    const chunk = pool.acquire(64);
    let called = 0;
    req.write(chunk, () => called++);
    expect(pool.owns(chunk)).toBe(true); // written, not yet flushed: still lent
    expect(pool.stats().free).toBe(0);
    flush();
    expect(pool.owns(chunk)).toBe(false);
    expect(pool.stats().free).toBe(1);
    expect(called).toBe(1);
  });

  it('leaves other writes alone and wraps an agent once', () => {
    const pool = new ChunkPool(64, 4);
    const { agent, request, flush } = fakeAgent();
    hookStoreAgent(hookStoreAgent(agent, pool), pool);
    const req = request();
    agent.addRequest(req);
    let called = 0;
    req.write(Buffer.from('not pooled'), 'latin1', () => called++);
    flush();
    expect(called).toBe(1);
    expect(pool.stats()).toEqual({ allocated: 0, free: 0 });
  });
});
