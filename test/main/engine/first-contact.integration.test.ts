// An endpoint that has never answered and cannot be reached (a typo'd name, a closed port) is a
// configuration problem: a few quick tries, then the transfer stops with ENDPOINT_UNREACHABLE,
// naming the host and what to check, instead of retrying for ever at 0 %. Once the endpoint has
// answered (an upload exists), the same failures are network faults, retried while the transfer runs.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { FIRST_CONTACT_TRIES } from '../../../src/main/engine/retry.js';
import { freePort } from '../../support/moto-server.js';
import { makeEngine, randomFile, target, tempDir, TINY_PARTS, useLocalS3, whenPartsDone, type Harness } from '../../support/engine-harness.js';

const local = useLocalS3();

async function runTo(engine: Harness, path: string, endpoint: string, bucket = 'no-bucket') {
  const record = await engine.manager.add({ filePath: path, target: target(endpoint, bucket, 'k.bin'), partSize: 1024 });
  const done = engine.manager.waitFor(record.id);
  engine.manager.start(record.id);
  return { record, outcome: await done };
}

/** A TCP forwarder to `upstream` that can be shut, leaving its port refusing connections. */
async function forwarder(upstream: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(upstream, '127.0.0.1');
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('an endpoint never reached', () => {
  it('a closed port: ENDPOINT_UNREACHABLE after a few tries, naming the address and `dockside doctor`', async () => {
    const home = tempDir();
    const file = randomFile(home, 3000);
    const port = await freePort();
    const engine = makeEngine(home, { planLimits: TINY_PARTS });
    try {
      const { record, outcome } = await runTo(engine, file.path, `http://127.0.0.1:${port}`);
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'ENDPOINT_UNREACHABLE', retryable: false } });
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.message).toMatch(new RegExp(`Could not reach 127\\.0\\.0\\.1:${port}: nothing accepts connections there \\(ECONNREFUSED\\)`));
      expect(outcome.error.message).toContain('dockside doctor');
      expect(outcome.error.message).toContain(`http://127.0.0.1:${port}`);
      const retries = engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry');
      expect(retries).toHaveLength(FIRST_CONTACT_TRIES - 1);
      // Failed (resumable once the endpoint is fixed), not left paused; no upload was made.
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'failed', errorCode: 'ENDPOINT_UNREACHABLE', uploadId: null });
    } finally {
      await engine.close();
    }
  });

  it('a name that does not resolve: ENDPOINT_UNREACHABLE naming the host', async () => {
    const home = tempDir();
    const file = randomFile(home, 3000);
    const engine = makeEngine(home, { planLimits: TINY_PARTS });
    try {
      const { outcome } = await runTo(engine, file.path, 'http://s3.no-such-host.invalid:9000');
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'ENDPOINT_UNREACHABLE' } });
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.message).toMatch(/Could not reach s3\.no-such-host\.invalid: the name does not resolve \(DNS: ENOTFOUND\)/);
    } finally {
      await engine.close();
    }
  });
});

describe('an endpoint that has answered', () => {
  it('refusing connections later is a network fault, retried past the first-contact tries while the transfer runs', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 40 * 1024);
    const link = await forwarder(local.moto.port);
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 1, bandwidthLimit: 8 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(link.endpoint, b, 'k.bin'), partSize: 1024 });
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 2);
      await engine.manager.pause(record.id);
      await link.close();
      engine.manager.setBandwidthLimit(null);
      // Resumed with the upload journaled: the refused connections are retried, not given up on.
      engine.manager.start(record.id);
      const deadline = Date.now() + 20_000;
      const retries = () => engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry' && e.data?.code === 'NETWORK').length;
      while (retries() < FIRST_CONTACT_TRIES + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(retries()).toBeGreaterThanOrEqual(FIRST_CONTACT_TRIES + 2);
      expect(engine.manager.get(record.id)?.state).toBe('running');
      await engine.manager.pause(record.id);
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'paused', errorCode: null });
    } finally {
      await engine.close();
    }
  });
});
