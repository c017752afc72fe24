/**
 * Resume measurements: (1) SIGKILL Dockside at a fraction of an upload, resume, and count the
 * bytes the sink received twice and the time from the resume's start to its first new part;
 * (2) the same for an upload with many parts mostly done, where resume start time is the cost of
 * reopening the journal, ListParts over every page and reconciling.
 */
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Sink } from './sink/s3-sink.js';
import { docksideArgs } from './dockside-cli.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface ResumeFigures {
  readonly fileMiB: number;
  readonly partSizeMiB: number;
  readonly partCount: number;
  readonly concurrency: number;
  readonly killedAtParts: number;
  /** Bytes the sink received beyond the file's size over both runs. */
  readonly bytesSentTwice: number;
  /** The target's bound: parts in flight x part size. */
  readonly boundBytes: number;
  /** From spawning `dockside resume` to its first part beyond those done before the kill. */
  readonly secondsToFirstNewPart: number;
  readonly resumeWallSeconds: number;
}

interface Line {
  type?: string;
  transferId?: string;
  partsDone?: number;
  status?: string;
}

function dockside(args: string[], env: NodeJS.ProcessEnv, onLine: (line: Line) => void): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, docksideArgs([...args, '--json']), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      onLine(JSON.parse(line) as Line);
    } catch {
      /* not a JSON line */
    }
  });
  child.stderr.resume();
  return {
    done: new Promise((done) => child.on('close', (code) => done(code))),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Uploads `file` with Dockside, SIGKILLs it once `killAtFraction` of its parts are done, resumes, and measures. */
export async function measureResume(options: {
  sink: S3Sink;
  file: string;
  fileMiB: number;
  bucket: string;
  key: string;
  partSizeMiB: number;
  concurrency: number;
  killAtFraction: number;
  home: string;
  /** A --limit-rate for the first run only, so a small file is still running when it is killed. */
  throttle?: string;
}): Promise<ResumeFigures> {
  const { sink } = options;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    DOCKSIDE_HOME: options.home,
    ...(sink.caFile ? { NODE_EXTRA_CA_CERTS: sink.caFile } : {}),
  };
  const partCount = Math.ceil(options.fileMiB / options.partSizeMiB);
  // Leave more parts than are in flight after the kill point, or the upload may finish before
  // SIGKILL lands and there is nothing to resume.
  const killAt = Math.max(1, Math.min(Math.floor(partCount * options.killAtFraction), partCount - options.concurrency - 1));
  if (killAt >= partCount - options.concurrency) throw new Error(`${partCount} parts are too few to kill mid-upload with ${options.concurrency} in flight`);
  const before = sink.stats().bytesReceived;

  let transferId = '';
  let killedAtParts = 0;
  const first = dockside(
    ['upload', options.file, '--bucket', options.bucket, '--key', options.key, '--endpoint', sink.endpoint, '--part-size', `${options.partSizeMiB}MiB`, '--concurrency', String(options.concurrency), ...(options.throttle ? ['--limit-rate', options.throttle] : [])],
    env,
    (line) => {
      if (line.type === 'transfer' && line.transferId) transferId = line.transferId;
      if (line.type === 'progress' && (line.partsDone ?? 0) >= killAt && killedAtParts === 0) {
        killedAtParts = line.partsDone ?? 0;
        first.kill();
      }
    },
  );
  await first.done;
  if (!transferId || killedAtParts === 0) throw new Error('the first run ended before it could be killed');
  // Parts may have been journaled between that progress line and the kill: ask the journal.
  const listed = JSON.parse(
    execFileSync(process.execPath, docksideArgs(['ls', '--json']), { cwd: ROOT, env, encoding: 'utf8' }),
  ) as Array<{ id: string; partsDone: number }>;
  const killed = listed.find((t) => t.id === transferId);
  if (killed?.partsDone === partCount) throw new Error('the upload finished before SIGKILL landed; nothing to resume');
  killedAtParts = killed?.partsDone ?? killedAtParts;

  const started = process.hrtime.bigint();
  let firstNewPart: number | null = null;
  let completed = false;
  const second = dockside(['resume', transferId, '--concurrency', String(options.concurrency)], env, (line) => {
    if (line.type === 'progress' && firstNewPart === null && (line.partsDone ?? 0) > killedAtParts) {
      firstNewPart = Number(process.hrtime.bigint() - started) / 1e9;
    }
    if (line.type === 'result' && line.status === 'completed') completed = true;
  });
  const code = await second.done;
  const resumeWallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0 || !completed) throw new Error(`dockside resume exited ${code}`);
  const fileBytes = options.fileMiB * 1024 * 1024;
  return {
    fileMiB: options.fileMiB,
    partSizeMiB: options.partSizeMiB,
    partCount,
    concurrency: options.concurrency,
    killedAtParts,
    bytesSentTwice: sink.stats().bytesReceived - before - fileBytes,
    boundBytes: options.concurrency * options.partSizeMiB * 1024 * 1024,
    secondsToFirstNewPart: firstNewPart ?? resumeWallSeconds,
    resumeWallSeconds,
  };
}
