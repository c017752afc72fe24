// `npm run bench:event-loop`: how much a large upload delays the engine process's event loop.
// The desktop app runs the engine in Electron's main process; that is only right if the loop
// stays responsive (IPC answered, progress sent, menus and dialogs on time) while parts stream.
// Runs `dockside upload` of a random file to the local TLS S3 sink with a probe that samples the
// loop's delay (10 ms resolution), and an idle Node process with the same probe as the floor.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BUCKET, createBucket } from './bench.js';
import { randomFile } from './files.js';
import { startS3Sink } from './sink/s3-sink.js';

const ROOT = resolve(import.meta.dirname, '..');
const PROBE = join(ROOT, 'bench', 'event-loop-probe.ts');
const sizeMiB = Number(process.env.BENCH_EVENT_LOOP_MIB ?? 2048);

interface Delay {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  startupMax: number;
  samples: number;
}

function probe(args: string[], env: NodeJS.ProcessEnv): Promise<{ delay: Delay; seconds: number }> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', PROBE, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      const line = /EVENT_LOOP_DELAY (\{.*\})/.exec(err);
      if (code !== 0 || !line) return fail(new Error(`exit ${code}: ${err.slice(-2000)}`));
      done({ delay: JSON.parse(line[1]!) as Delay, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

const sink = await startS3Sink({ tls: true, md5: false, trustContentMd5: true });
await createBucket(sink);
const file = randomFile(sizeMiB);
const work = mkdtempSync(join(tmpdir(), 'dockside-event-loop-'));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', NODE_EXTRA_CA_CERTS: sink.caFile, DOCKSIDE_HOME: join(work, 'home') };
try {
  const idle = await probe(['-e', 'setTimeout(() => {}, 8000)'], env);
  const upload = await probe([join(ROOT, 'src/main/cli/main.ts'), 'upload', file, '--bucket', BUCKET, '--key', 'event-loop.bin', '--endpoint', sink.endpoint, '--json'], env);
  const rate = sizeMiB / upload.seconds;
  const row = (name: string, d: Delay) => `  ${name.padEnd(22)} p50 ${String(d.p50).padStart(5)} ms   p99 ${String(d.p99).padStart(5)} ms   p99.9 ${String(d.p999).padStart(5)} ms   max ${String(d.max).padStart(6)} ms   (start-up max ${d.startupMax} ms, ${d.samples} samples)`;
  process.stdout.write(
    [
      `Event-loop delay after the first 3 s (10 ms resolution, so ~10 ms is the floor): ${sizeMiB} MiB upload at ${rate.toFixed(0)} MiB/s (TLS sink on this machine)`,
      row('idle Node process', idle.delay),
      row('dockside upload', upload.delay),
      `  ratio of p99 upload / idle: ${(upload.delay.p99 / idle.delay.p99).toFixed(2)}`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  await sink.close();
}
