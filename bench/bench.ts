/**
 * `npm run bench`: Dockside against the tools staff would otherwise use, on the same machine, in
 * the same run, against the fast local S3 sink (TLS as the headline, plain HTTP too).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import https from 'node:https';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomFile, sparseFile } from './files.js';
import { diskReadMiBs, rawPut } from './limits.js';
import { cpuSecondsSince, measure } from './measure.js';
import { peerAvailable, peerCommand, type Tool, type Variant } from './peers.js';
import { chartSvg, table, type Row, type ToolFigures } from './report.js';
import { measureResume, type ResumeFigures } from './resume.js';
import { measureShapedGoodput, type ShapedFigures } from './shaped-link.js';
import { startS3Sink, type S3Sink } from './sink/s3-sink.js';
import { buildDocksideCli } from './dockside-cli.js';

export type Transport = 'tls' | 'http';

export interface BenchOptions {
  readonly sizesMiB: readonly number[];
  readonly tools: readonly Tool[];
  readonly variants: readonly Variant[];
  readonly transports: readonly Transport[];
  readonly partSizeMiB: number;
  readonly concurrency: number;
  /** Peak RSS of Dockside for a sparse 1 GiB and a sparse 16 GiB file (flat in file size?). */
  readonly memoryCheckMiB: readonly [number, number] | null;
  /** SIGKILL at 50 % of the largest file, then resume; null to skip. */
  readonly resumeCost: boolean;
  /** Resume start of an upload of this many 5 MiB parts (sparse file), killed 90 % done; null to skip. */
  readonly resumeStartParts: number | null;
  /** Goodput over a shaped veth link to a sink in another namespace, at this rate; null to skip. */
  readonly shapedRateMbit: number | null;
  /** MTU of the shaped veth pair (1500 as on most links). */
  readonly shapedMtu: number;
  /** --limit-rate for the run that is killed (tests use it so tiny files are still running). */
  readonly resumeThrottle?: string;
  readonly resultsDir: string;
  readonly log: (line: string) => void;
}

export interface BenchResults {
  readonly date: string;
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  readonly options: { sizesMiB: readonly number[]; partSizeMiB: number; concurrency: number };
  readonly headline: { sizeMiB: number; transport: Transport; variant: Variant };
  readonly limit_mib_s: number;
  readonly limit_crc32_mib_s: number;
  /** diskReadMiBs is the file read as the tools read it (from the page cache); diskFirstReadMiBs the bench's first read of it. */
  readonly limits: Record<string, { diskReadMiBs: number; diskFirstReadMiBs: number; rawPutMiBs: number; rawPutCrc32MiBs: number; rawPutCpuSecondsPerGiB: number; rawPutCrc32SinkCpuSecondsPerGiB: number; limitMiBs: number }>;
  readonly runs: Array<{ tool: Tool; variant: Variant; transport: Transport; sizeMiB: number; figures: ToolFigures | null; note?: string }>;
  readonly tools: Partial<Record<Tool, ToolFigures & { percentOfLimit: number; percentOfCrc32Limit: number }>>;
  readonly ratios: Partial<Record<Tool, { wallSpeedup: number; cpuPerGiBRatio: number; rssRatio: number }>>;
  readonly memory: { smallMiB: number; largeMiB: number; smallPeakRssMiB: number; largePeakRssMiB: number; growthPercent: number } | null;
  readonly resume: ResumeFigures | null;
  readonly resumeStart: ResumeFigures | null;
  readonly shaped: ShapedFigures | { skipped: string } | null;
}

const ROOT = resolve(import.meta.dirname, '..');
export const BUCKET = 'dockside-bench';

export async function runBench(o: BenchOptions): Promise<BenchResults> {
  if (o.tools.includes('dockside')) await buildDocksideCli();
  const sinks = new Map<Transport, S3Sink>();
  const work = mkdtempSync(join(tmpdir(), 'dockside-bench-'));
  try {
    for (const transport of o.transports) {
      // No MD5 of bodies (Content-MD5 taken as sent): MD5 at ~625 MiB/s would make the sink the
      // bottleneck; CRC32s are still verified (bench/sink/README.md has the measurements).
      const sink = await startS3Sink({ tls: transport === 'tls', md5: false, trustContentMd5: true });
      sinks.set(transport, sink);
      await createBucket(sink);
      o.log(`sink (${transport}): ${sink.endpoint}`);
    }
    const runs: BenchResults['runs'] = [];
    const limits: BenchResults['limits'] = {};
    for (const sizeMiB of o.sizesMiB) {
      o.log(`\n== ${sizeMiB} MiB random file`);
      const file = randomFile(sizeMiB);
      const { warm: disk, first: diskFirst } = await diskReadMiBs(file);
      for (const transport of o.transports) {
        const sink = sinks.get(transport)!;
        const rawBytes = Math.min(sizeMiB, 2048) * 1024 * 1024;
        const { mibs: raw, cpuSecondsPerGiB: rawCpu } = await rawPut(sink.endpoint, sink.caFile, rawBytes);
        const sinkCpu = process.cpuUsage();
        const { mibs: rawCrc } = await rawPut(sink.endpoint, sink.caFile, rawBytes, 8, true);
        const rawCrcSinkCpu = cpuSecondsSince(sinkCpu) / (rawBytes / 2 ** 30);
        limits[`${sizeMiB}MiB/${transport}`] = { diskReadMiBs: disk, diskFirstReadMiBs: diskFirst, rawPutMiBs: raw, rawPutCrc32MiBs: rawCrc, rawPutCpuSecondsPerGiB: rawCpu, rawPutCrc32SinkCpuSecondsPerGiB: rawCrcSinkCpu, limitMiBs: Math.min(disk, raw) };
        o.log(
          `limit (${transport}): file read ${disk.toFixed(0)} MiB/s (first read ${diskFirst.toFixed(0)} MiB/s), raw PUT ${raw.toFixed(0)} MiB/s (${rawCrc.toFixed(0)} MiB/s when the sink verifies a CRC32, the sink then using ${rawCrcSinkCpu.toFixed(2)} CPU s/GiB; the sender used ${rawCpu.toFixed(2)} CPU s/GiB)`,
        );
        for (const variant of o.variants) {
          for (const tool of o.tools) {
            const available = peerAvailable(tool);
            if (!available.ok) {
              runs.push({ tool, variant, transport, sizeMiB, figures: null, note: available.why });
              continue;
            }
            const runDir = join(work, `${tool}-${variant}-${transport}-${sizeMiB}`);
            const cmd = peerCommand(tool, variant, {
              file,
              bucket: BUCKET,
              key: `${tool}/${variant}/${transport}/${sizeMiB}.bin`,
              endpoint: sink.endpoint,
              ...(sink.caFile ? { caFile: sink.caFile } : {}),
              partSizeMiB: o.partSizeMiB,
              concurrency: o.concurrency,
              workDir: runDir,
            });
            const sinkCpu = process.cpuUsage();
            const m = await measure(cmd.command, cmd.args, { env: cmd.env, cwd: ROOT, timeoutMs: 30 * 60_000 });
            const sinkCpuSeconds = cpuSecondsSince(sinkCpu);
            const ok = m.exitCode === 0 && (tool !== 'dockside' || /"status":"completed"/.test(m.stdout));
            const figures: ToolFigures = {
              wallSeconds: m.wallSeconds,
              cpuSeconds: m.cpuSeconds,
              cpuSecondsPerGiB: m.cpuSeconds / (sizeMiB / 1024),
              sinkCpuSecondsPerGiB: sinkCpuSeconds / (sizeMiB / 1024),
              peakRssMiB: m.peakRssMiB,
              throughputMiBs: sizeMiB / m.wallSeconds,
              exitCode: m.exitCode,
            };
            runs.push({ tool, variant, transport, sizeMiB, figures: ok ? figures : null, ...(ok ? {} : { note: `failed (exit ${m.exitCode}): ${lastLine(m.stderr || m.stdout)}` }) });
            o.log(`${tool.padEnd(11)} ${variant.padEnd(8)} ${transport.padEnd(4)} ${ok ? `${figures.wallSeconds.toFixed(2)} s  ${figures.throughputMiBs.toFixed(0)} MiB/s  CPU ${figures.cpuSeconds.toFixed(2)} s (sink ${sinkCpuSeconds.toFixed(2)} s)  RSS ${figures.peakRssMiB.toFixed(0)} MiB` : `FAILED: ${lastLine(m.stderr || m.stdout)}`}`);
            rmSync(runDir, { recursive: true, force: true });
          }
        }
      }
    }

    const headline = { sizeMiB: Math.max(...o.sizesMiB), transport: o.transports.includes('tls') ? ('tls' as const) : o.transports[0]!, variant: o.variants.includes('tuned') ? ('tuned' as const) : o.variants[0]! };
    const limitMiBs = limits[`${headline.sizeMiB}MiB/${headline.transport}`]!.limitMiBs;
    // The same limit when the sink also verifies a CRC32 per request, as it does for Dockside's parts.
    const limitCrc32MiBs = Math.min(limits[`${headline.sizeMiB}MiB/${headline.transport}`]!.diskReadMiBs, limits[`${headline.sizeMiB}MiB/${headline.transport}`]!.rawPutCrc32MiBs);
    const pick = (tool: Tool) => runs.find((r) => r.tool === tool && r.sizeMiB === headline.sizeMiB && r.transport === headline.transport && r.variant === headline.variant)?.figures ?? null;
    const tools: BenchResults['tools'] = {};
    const ratios: BenchResults['ratios'] = {};
    const dockside = pick('dockside');
    for (const tool of o.tools) {
      const f = pick(tool);
      if (!f) continue;
      tools[tool] = { ...f, percentOfLimit: (f.throughputMiBs / limitMiBs) * 100, percentOfCrc32Limit: (f.throughputMiBs / limitCrc32MiBs) * 100 };
      if (tool !== 'dockside' && dockside) {
        ratios[tool] = {
          wallSpeedup: f.wallSeconds / dockside.wallSeconds,
          cpuPerGiBRatio: dockside.cpuSecondsPerGiB / f.cpuSecondsPerGiB,
          rssRatio: dockside.peakRssMiB / f.peakRssMiB,
        };
      }
    }

    let memory: BenchResults['memory'] = null;
    if (o.memoryCheckMiB && o.tools.includes('dockside')) {
      const [small, large] = o.memoryCheckMiB;
      const sink = sinks.get('http') ?? sinks.values().next().value!;
      const rss: number[] = [];
      for (const sizeMiB of [small, large]) {
        const runDir = join(work, `memory-${sizeMiB}`);
        const cmd = peerCommand('dockside', 'tuned', {
          file: sparseFile(sizeMiB),
          bucket: BUCKET,
          key: `memory/${sizeMiB}.bin`,
          endpoint: sink.endpoint,
          ...(sink.caFile ? { caFile: sink.caFile } : {}),
          partSizeMiB: o.partSizeMiB,
          concurrency: o.concurrency,
          workDir: runDir,
        });
        const m = await measure(cmd.command, cmd.args, { env: cmd.env, cwd: ROOT });
        if (m.exitCode !== 0) throw new Error(`memory check upload of ${sizeMiB} MiB failed: ${lastLine(m.stderr)}`);
        rss.push(m.peakRssMiB);
        o.log(`memory: dockside ${sizeMiB} MiB sparse: peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
      }
      memory = { smallMiB: small, largeMiB: large, smallPeakRssMiB: rss[0]!, largePeakRssMiB: rss[1]!, growthPercent: ((rss[1]! - rss[0]!) / rss[0]!) * 100 };
    }

    let resume: ResumeFigures | null = null;
    let resumeStart: ResumeFigures | null = null;
    if (o.tools.includes('dockside')) {
      const sink = sinks.get(headline.transport)!;
      if (o.resumeCost) {
        resume = await measureResume({
          sink,
          file: randomFile(headline.sizeMiB),
          fileMiB: headline.sizeMiB,
          bucket: BUCKET,
          key: 'resume/cost.bin',
          partSizeMiB: o.partSizeMiB,
          concurrency: o.concurrency,
          killAtFraction: 0.5,
          home: join(work, 'resume-cost'),
          ...(o.resumeThrottle ? { throttle: o.resumeThrottle } : {}),
        });
        o.log(`resume after SIGKILL at 50 %: ${(resume.bytesSentTwice / 2 ** 20).toFixed(1)} MiB sent twice (bound ${(resume.boundBytes / 2 ** 20).toFixed(0)} MiB), first new part ${resume.secondsToFirstNewPart.toFixed(2)} s after start`);
      }
      if (o.resumeStartParts) {
        const fileMiB = o.resumeStartParts * 5;
        resumeStart = await measureResume({
          sink,
          file: sparseFile(fileMiB),
          fileMiB,
          bucket: BUCKET,
          key: 'resume/many-parts.bin',
          partSizeMiB: 5,
          concurrency: o.concurrency,
          killAtFraction: 0.9,
          home: join(work, 'resume-start'),
          ...(o.resumeThrottle ? { throttle: o.resumeThrottle } : {}),
        });
        o.log(`resume start of a ${o.resumeStartParts}-part upload ${resumeStart.killedAtParts} parts done: first new part ${resumeStart.secondsToFirstNewPart.toFixed(2)} s after start`);
      }
    }

    let shaped: BenchResults['shaped'] = null;
    if (o.shapedRateMbit && o.tools.includes('dockside')) {
      // Enough data for ~20 s at the configured rate, so start-up and completion weigh little.
      const fileMiB = Math.max(64, Math.round(((o.shapedRateMbit * 1e6) / 8 / 2 ** 20) * 20));
      try {
        shaped = await measureShapedGoodput({ file: randomFile(fileMiB), fileMiB, rateMbit: o.shapedRateMbit, mtu: o.shapedMtu, concurrency: o.concurrency, partSizeMiB: o.partSizeMiB, home: join(work, 'shaped') });
        o.log(`shaped link ${o.shapedRateMbit} Mbit/s: goodput ${shaped.goodputMiBs.toFixed(1)} MiB/s = ${shaped.percentOfRate.toFixed(1)} % of the configured rate, ${shaped.percentOfCeiling.toFixed(1)} % of TCP's ${shaped.ceilingPercent.toFixed(1)} % ceiling at MTU ${shaped.mtu}`);
      } catch (error) {
        shaped = { skipped: (error as Error).message };
        o.log(`shaped link: skipped: ${shaped.skipped}`);
      }
    }

    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      options: { sizesMiB: o.sizesMiB, partSizeMiB: o.partSizeMiB, concurrency: o.concurrency },
      headline,
      limit_mib_s: limitMiBs,
      limit_crc32_mib_s: limitCrc32MiBs,
      limits,
      runs,
      tools,
      ratios,
      memory,
      resume,
      resumeStart,
      shaped,
    };
    mkdirSync(o.resultsDir, { recursive: true });
    writeFileSync(join(o.resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    const rows: Row[] = runs
      .filter((r) => r.sizeMiB === headline.sizeMiB)
      .map((r) => ({
        tool: r.tool,
        variant: r.variant,
        transport: r.transport,
        figures: r.figures,
        limitMiBs: limits[`${r.sizeMiB}MiB/${r.transport}`]!.limitMiBs,
        ...(r.note ? { note: r.note } : {}),
      }));
    writeFileSync(
      join(o.resultsDir, 'throughput.svg'),
      chartSvg(rows.filter((r) => r.transport === headline.transport), `Upload of a ${headline.sizeMiB} MiB file over ${headline.transport.toUpperCase()} to a local S3 sink (${results.machine.cpus} cores)`),
    );
    o.log(`\n${table(rows)}`);
    return results;
  } finally {
    for (const sink of sinks.values()) await sink.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function createBucket(sink: S3Sink): Promise<void> {
  const client = new S3Client({
    endpoint: sink.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    ...(sink.caFile ? { requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: readFileSync(sink.caFile) }) }) } : {}),
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } finally {
    client.destroy();
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}
