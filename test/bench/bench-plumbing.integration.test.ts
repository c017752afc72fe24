// The bench's plumbing, on a tiny file so it runs in the test suite and cannot rot: every peer
// that is installed runs, the JSON and the chart are written, ratios are computed. No timing is
// asserted.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.js';
import { peerAvailable, TOOLS } from '../../bench/peers.js';

describe('npm run bench (plumbing)', () => {
  it('runs every available tool over TLS and HTTP and writes latest.json and the chart', { timeout: 180_000 }, async () => {
    const resultsDir = mkdtempSync(join(tmpdir(), 'dockside-bench-results-'));
    const lines: string[] = [];
    const results = await runBench({
      sizesMiB: [24],
      tools: [...TOOLS],
      variants: ['tuned'],
      transports: ['tls', 'http'],
      partSizeMiB: 5,
      concurrency: 2,
      memoryCheckMiB: [8, 24],
      resumeCost: true,
      resumeStartParts: 10,
      resumeThrottle: '4MB/s',
      shapedRateMbit: null,
      shapedMtu: 1500,
      resultsDir,
      log: (line) => lines.push(line),
    });

    const available = TOOLS.filter((t) => peerAvailable(t).ok);
    expect(available).toEqual(expect.arrayContaining(['dockside', 'lib-storage']));
    for (const tool of TOOLS) {
      for (const transport of ['tls', 'http'] as const) {
        const run = results.runs.find((r) => r.tool === tool && r.transport === transport)!;
        if (available.includes(tool)) {
          expect(run.figures, `${tool} over ${transport}: ${run.note ?? ''}`).not.toBeNull();
          expect(run.figures!.exitCode).toBe(0);
          expect(run.figures!.peakRssMiB).toBeGreaterThan(1);
          // The sink ran in this process and received the whole file meanwhile.
          expect(run.figures!.sinkCpuSecondsPerGiB).toBeGreaterThan(0);
        } else {
          expect(run.note).toMatch(/not found/);
        }
      }
    }
    expect(results.limit_mib_s).toBeGreaterThan(0);
    for (const limit of Object.values(results.limits)) {
      expect(limit.limitMiBs).toBe(Math.min(limit.diskReadMiBs, limit.rawPutMiBs));
      expect(limit.diskFirstReadMiBs).toBeGreaterThan(0);
      expect(limit.rawPutCrc32SinkCpuSecondsPerGiB).toBeGreaterThan(0);
    }
    expect(Object.keys(results.ratios)).toEqual(expect.arrayContaining(available.filter((t) => t !== 'dockside')));
    expect(results.memory).toMatchObject({ smallMiB: 8, largeMiB: 24 });
    expect(results.resume).toMatchObject({ fileMiB: 24, partCount: 5 });
    expect(results.resume!.killedAtParts).toBeGreaterThanOrEqual(1);
    expect(results.resumeStart).toMatchObject({ partCount: 10 });
    expect(results.resumeStart!.killedAtParts).toBeLessThan(10);

    const written = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as typeof results;
    expect(written.limit_mib_s).toBe(results.limit_mib_s);
    expect(written.tools.dockside?.throughputMiBs).toBeGreaterThan(0);
    const svg = readFileSync(join(resultsDir, 'throughput.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('dockside (tuned, tls)');
    expect(existsSync(join(resultsDir, 'throughput.svg'))).toBe(true);
    expect(lines.join('\n')).toMatch(/tool\s+variant\s+transport/);
  });
});
