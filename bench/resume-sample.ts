/**
 * What the resume sample costs (src/main/engine/resume-sample.ts): a 40 GB file uploaded to the
 * sink with the defaults (16 MiB parts), SIGKILLed at 90 %, the page cache dropped (as after a
 * reboot; needs root, else the figure is a warm one and says so), then `dockside resume`. The
 * journal's resume.sampled entry says how many parts were read again, how many bytes, how long.
 *
 *   node --import tsx bench/resume-sample.ts [--size BYTES] [--at FRACTION]
 */
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SqliteJournal } from '../src/main/journal/index.js';
import { formatBytes } from '../src/shared/units.js';
import { buildDocksideCli, docksideArgs } from './dockside-cli.js';
import { startS3Sink } from './sink/s3-sink.js';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'bench', '.cache', 'resume-sample');

const { values } = parseArgs({ options: { size: { type: 'string', default: String(40e9) }, at: { type: 'string', default: '0.9' } } });
const size = Number(values.size);
const at = Number(values.at);

/** A file of random bytes (not sparse: the sample's reads must come from the disk). */
function randomFile(bytes: number): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `random-${bytes}.bin`);
  if (existsSync(path) && statSync(path).size === bytes) return path;
  const chunk = Buffer.allocUnsafe(64 * 1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(chunk.length, bytes - done);
      randomFillSync(chunk, 0, n);
      writeSync(fd, chunk, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function dropPageCache(): boolean {
  try {
    spawn('sync').on('close', () => undefined);
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function run(args: string[], env: NodeJS.ProcessEnv, onLine: (line: Record<string, unknown>, kill: () => void) => void): Promise<number | null> {
  const child = spawn(process.execPath, docksideArgs([...args, '--json']), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      onLine(JSON.parse(line) as Record<string, unknown>, () => child.kill('SIGKILL'));
    } catch {
      /* not JSON */
    }
  });
  return new Promise((done) => child.on('close', (code) => done(code)));
}

await buildDocksideCli();
const file = randomFile(size);
const sink = await startS3Sink({ tls: false, md5: false, trustContentMd5: true });
const home = mkdtempSync(join(CACHE, 'home-'));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', DOCKSIDE_HOME: home };
try {
  const upload = ['upload', file, '--bucket', 'bench', '--key', 'sample.bin', '--endpoint', sink.endpoint];
  await run(upload, env, (line, kill) => {
    if (line.type === 'progress' && Number(line.bytesDone) >= at * size) kill();
  });
  const cold = dropPageCache();
  const started = Date.now();
  const code = await run(['resume', '--all'], env, () => undefined);
  const wall = (Date.now() - started) / 1000;
  const journal = new SqliteJournal(join(home, 'journal.sqlite'));
  const sampled = journal.queryLog({}).find((e) => e.type === 'resume.sampled');
  journal.close();
  const data = sampled?.data as { checkedParts: number; journaledParts: number; bytesRead: number; ms: number } | undefined;
  if (!data) throw new Error(`no resume.sampled entry (resume exited ${code})`);
  const figures = {
    fileBytes: size,
    killedAt: at,
    pageCache: cold ? 'dropped' : 'warm (not root)',
    journaledParts: data.journaledParts,
    sampledParts: data.checkedParts,
    bytesRead: data.bytesRead,
    sampleSeconds: data.ms / 1000,
    readMiBPerSecond: data.bytesRead / 1024 / 1024 / (data.ms / 1000),
    resumeExit: code,
    resumeWallSeconds: wall,
  };
  console.log(JSON.stringify(figures));
  console.log(
    `${formatBytes(size)} file, killed at ${at * 100} %: re-read ${data.checkedParts} of ${data.journaledParts} parts sent, ${formatBytes(data.bytesRead)} (${((100 * data.bytesRead) / size).toFixed(2)} % of the file) in ${(data.ms / 1000).toFixed(2)} s, page cache ${figures.pageCache}; the whole resume took ${wall.toFixed(1)} s.`,
  );
} finally {
  await sink.close();
}
