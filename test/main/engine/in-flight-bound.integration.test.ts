// Bytes in flight are bounded, not only parts: with huge parts (up to 5 GiB each for a 48.8 TiB
// file) fewer go at once, so a kill or a failed part never re-sends more than the budget.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IN_FLIGHT_BYTES } from '../../../src/main/engine/transfer-runner.js';
import type { TransferProgress } from '../../../src/shared/transfer-model.js';
import { makeEngine, randomFile, target, tempDir, TINY_PARTS, useLocalS3 } from '../../support/engine-harness.js';

const local = useLocalS3();
const GiB = 1024 ** 3;

async function run(maxInFlightBytes: number | undefined) {
  const home = tempDir();
  const b = await local.bucket();
  const file = randomFile(home, 24 * 1024);
  const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 8, bandwidthLimit: 64 * 1024, ...(maxInFlightBytes ? { maxInFlightBytes } : {}) });
  const seen: number[] = [];
  engine.manager.on('progress', (p: TransferProgress) => seen.push(p.inFlight.length));
  try {
    const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'k.bin'), partSize: 1024 });
    const done = engine.manager.waitFor(record.id);
    engine.manager.start(record.id);
    expect((await done).kind).toBe('completed');
    const started = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'transfer.started');
    return { partsInFlight: started?.data?.partsInFlight, mostSeen: Math.max(...seen) };
  } finally {
    await engine.close();
  }
}

describe('bytes in flight', () => {
  it('parts in flight are lowered to fit the budget (here 2 KiB of 1 KiB parts: 2 of the 8 asked for)', async () => {
    const { partsInFlight, mostSeen } = await run(2 * 1024);
    expect(partsInFlight).toBe(2);
    expect(mostSeen).toBeLessThanOrEqual(2);
  });

  it('a budget below one part still sends one at a time', async () => {
    const { partsInFlight, mostSeen } = await run(100);
    expect(partsInFlight).toBe(1);
    expect(mostSeen).toBeLessThanOrEqual(1);
  });

  it('by default 10 GiB: nothing changes for small parts, two 5 GiB parts at most', async () => {
    expect(DEFAULT_MAX_IN_FLIGHT_BYTES).toBe(10 * GiB);
    expect((await run(undefined)).partsInFlight).toBe(8);
  });
});
