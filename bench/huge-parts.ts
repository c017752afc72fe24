/**
 * What a huge part costs: peak RSS of the bundled `dockside` CLI uploading one sparse file to the
 * sink with small parts and with 5 GiB parts (S3's largest, what a 48.8 TiB file gets), and the
 * bytes re-sent after a SIGKILL in the middle of the parts in flight.
 *
 *   node --import tsx bench/huge-parts.ts [--size-gib 12] [--kill-size-gib 21] [--part-mib 16,5120] [--concurrency 4] [--no-kills]
 *
 * The sink runs in this process (it keeps no bytes, see bench/sink/README.md); the CLI runs as a
 * child, and only its process tree is measured. Prints one JSON object with every figure.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDocksideCli, docksideArgs } from './dockside-cli.js';
import { sparseFile } from './files.js';
import { measure, treeRssKiB } from './measure.js';
import { startS3Sink, type S3Sink } from './sink/s3-sink.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const ROOT = resolve(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    'size-gib': { type: 'string', default: '12' },
    'kill-size-gib': { type: 'string', default: '21' },
    'part-mib': { type: 'string', default: '16,5120' },
    concurrency: { type: 'string', default: '4' },
    'no-kills': { type: 'boolean', default: false },
  },
  strict: true,
});
const sizeGiB = Number(values['size-gib']);
const killSizeGiB = Number(values['kill-size-gib']);
const partSizesMiB = values['part-mib'].split(',').map(Number);
const concurrency = Number(values.concurrency);

const credentials = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };

function uploadArgs(file: string, key: string, endpoint: string, partSizeMiB: number): string[] {
  return docksideArgs(['upload', file, '--bucket', 'bench', '--key', key, '--endpoint', endpoint, '--part-size', `${partSizeMiB}MiB`, '--concurrency', String(concurrency), '--json']);
}

function envFor(home: string): NodeJS.ProcessEnv {
  return { ...process.env, ...credentials, DOCKSIDE_HOME: home };
}

interface RunFigures {
  readonly partSizeMiB: number;
  readonly fileGiB: number;
  readonly wallSeconds: number;
  readonly MiBs: number;
  readonly peakRssMiB: number;
  readonly cpuSeconds: number;
}

/** One whole upload, measured. */
async function run(sink: S3Sink, file: string, fileBytes: number, partSizeMiB: number, work: string): Promise<RunFigures> {
  const home = join(work, `home-run-${partSizeMiB}`);
  const before = sink.stats().bytesReceived;
  const m = await measure(process.execPath, uploadArgs(file, `run/${partSizeMiB}`, sink.endpoint, partSizeMiB), { env: envFor(home), cwd: ROOT });
  if (m.exitCode !== 0) throw new Error(`upload with ${partSizeMiB} MiB parts failed (${m.exitCode}): ${m.stderr.slice(-2000)}`);
  const sent = sink.stats().bytesReceived - before;
  if (sent !== fileBytes) throw new Error(`the sink received ${sent} bytes for a ${fileBytes}-byte file`);
  return {
    partSizeMiB,
    fileGiB: fileBytes / GiB,
    wallSeconds: round(m.wallSeconds),
    MiBs: round(fileBytes / MiB / m.wallSeconds),
    peakRssMiB: round(m.peakRssMiB),
    cpuSeconds: round(m.cpuSeconds),
  };
}

interface KillFigures {
  readonly partSizeMiB: number;
  readonly fileGiB: number;
  /** Bytes the sink had received when the CLI was killed (all runs of this transfer). */
  readonly receivedAtKillGiB: number;
  readonly partsCompleteAtKill: number;
  readonly peakRssMiBBeforeKill: number;
  /** Bytes received in total (kill run + resume) minus the file size. */
  readonly resentGiB: number;
  /** parts in flight x part size: the most a kill can cost. */
  readonly boundGiB: number;
}

/**
 * Starts an upload, SIGKILLs it once `killAtFraction` of (parts in flight x part size) has arrived
 * at the sink without a part completing past the first wave, re-runs the same command (which
 * resumes) and counts what was sent twice.
 */
async function killAndResume(sink: S3Sink, file: string, fileBytes: number, partSizeMiB: number, work: string): Promise<KillFigures> {
  const home = join(work, `home-kill-${partSizeMiB}`);
  const key = `kill/${partSizeMiB}`;
  const start = sink.stats();
  const partBytes = partSizeMiB * MiB;
  const inFlight = Math.min(concurrency, Math.ceil(fileBytes / partBytes));
  const wave = Math.min(fileBytes, inFlight * partBytes);
  // Just before the first wave's parts would complete: the worst moment for a kill.
  const killAt = start.bytesReceived + Math.floor(wave * 0.95);
  const child = spawn(process.execPath, uploadArgs(file, key, sink.endpoint, partSizeMiB), { env: envFor(home), cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  let peakKiB = 0;
  let killed = false;
  await new Promise<void>((resolveKill, reject) => {
    const timer = setInterval(() => {
      if (child.pid !== undefined) peakKiB = Math.max(peakKiB, treeRssKiB(child.pid));
      if (sink.stats().bytesReceived >= killAt) {
        clearInterval(timer);
        child.kill('SIGKILL');
        killed = true;
        resolveKill();
      }
    }, 5);
    void exited.then((code) => {
      if (!killed) {
        clearInterval(timer);
        reject(new Error(`upload ended (${code}) before the kill point: ${stderr.slice(-2000)}`));
      }
    });
  });
  await exited;
  const atKill = sink.stats();
  const resume = await measure(process.execPath, uploadArgs(file, key, sink.endpoint, partSizeMiB), { env: envFor(home), cwd: ROOT });
  if (resume.exitCode !== 0) throw new Error(`resume with ${partSizeMiB} MiB parts failed (${resume.exitCode}): ${resume.stderr.slice(-2000)}`);
  const object = sink.object('bench', key);
  if (object?.size !== fileBytes) throw new Error(`the resumed object has ${object?.size} bytes, not ${fileBytes}`);
  const total = sink.stats().bytesReceived - start.bytesReceived;
  return {
    partSizeMiB,
    fileGiB: fileBytes / GiB,
    receivedAtKillGiB: round((atKill.bytesReceived - start.bytesReceived) / GiB),
    partsCompleteAtKill: atKill.partsReceived - start.partsReceived,
    peakRssMiBBeforeKill: round(peakKiB / 1024),
    resentGiB: round((total - fileBytes) / GiB),
    boundGiB: round((inFlight * partBytes) / GiB),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const work = mkdtempSync(join(tmpdir(), 'dockside-huge-parts-'));
const sink = await startS3Sink({ tls: false, md5: false, trustContentMd5: true });
try {
  await buildDocksideCli();
  const file = sparseFile(sizeGiB * 1024);
  const killFile = values['no-kills'] ? file : sparseFile(killSizeGiB * 1024);
  const runs: RunFigures[] = [];
  for (const partMiB of partSizesMiB) runs.push(await run(sink, file, sizeGiB * GiB, partMiB, work));
  const kills: KillFigures[] = [];
  if (!values['no-kills']) for (const partMiB of partSizesMiB) kills.push(await killAndResume(sink, killFile, killSizeGiB * GiB, partMiB, work));
  process.stdout.write(`${JSON.stringify({ concurrency, runs, kills }, null, 2)}\n`);
} finally {
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
