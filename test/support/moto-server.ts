// Starts a throwaway moto_server (a local S3 emulator) for integration tests.
//
// Each call gets its own process on its own port, so test files that run in parallel never
// share buckets or multipart state. moto keeps everything in memory: stopping it is the cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Extra environment for moto, e.g. `{ S3_UPLOAD_PART_MIN_SIZE: '1024' }`. */
  env?: Record<string, string>;
}

const INSTALL_HINT =
  "moto_server was not found on PATH. The integration tests need it as a local S3 emulator. " +
  "Install it with Python 3.9+: pip install 'moto[server]>=5'";

const STARTUP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const KILL_GRACE_MS = 3_000;
const LOG_LINES_KEPT = 50;
const PORT_ATTEMPTS = 5;

// Children still alive. A synchronous 'exit' hook is the last chance to kill them when a test
// run crashes or forgets stop(); otherwise an orphaned moto would hold its port indefinitely.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone; nothing else can be done in an exit handler.
      }
    }
  });
}

/** Asks the OS for a free loopback port. Racy by nature, hence the retry in startMoto. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** Keeps only the last N lines of output: enough to explain a failed start, bounded in memory. */
class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > LOG_LINES_KEPT) this.lines.shift();
    }
  }

  text(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

/** One GET of `path` on a loopback port; true once a server answers it without a 5xx. */
export function answersHttp(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    // agent:false so no keep-alive socket outlives the probe.
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Attempt =
  | { ok: true; server: MotoServer }
  | { ok: false; portTaken: boolean; error: Error };

async function tryStart(port: number, env: Record<string, string>): Promise<Attempt> {
  const tail = new LineTail();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    // PYTHONUNBUFFERED so that moto's last words actually reach us if it dies during startup.
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));

  let spawnError: NodeJS.ErrnoException | undefined;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      exited = true;
      resolve();
    });
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  liveChildren.add(child);
  void exitPromise.then(() => liveChildren.delete(child));

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError?.code === 'ENOENT') {
      return { ok: false, portTaken: false, error: new Error(INSTALL_HINT, { cause: spawnError }) };
    }
    if (exited) {
      const output = tail.text();
      const portTaken = /address already in use|port \d+ is in use/i.test(output);
      const why = spawnError ? `failed to spawn (${spawnError.message})` : `exited with code ${child.exitCode ?? child.signalCode}`;
      return { ok: false, portTaken, error: new Error(`moto_server on port ${port} ${why}.\n--- moto output ---\n${output}`) };
    }
    if (await answersHttp(port, '/moto-api/')) {
      return { ok: true, server: { endpoint: `http://127.0.0.1:${port}`, port, stop } };
    }
    await sleep(POLL_INTERVAL_MS);
  }
  await stop();
  return {
    ok: false,
    portTaken: false,
    error: new Error(
      `moto_server on port ${port} did not answer within ${STARTUP_TIMEOUT_MS / 1000} s.\n--- moto output ---\n${tail.text()}`,
    ),
  };
}

/**
 * Starts a fresh moto_server on a free loopback port and resolves once it answers HTTP.
 * Throws with install instructions when moto_server is not installed.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  installExitHook();
  let last: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const result = await tryStart(await freePort(), options.env ?? {});
    if (result.ok) return result.server;
    last = result.error;
    // Only a lost race for the port is worth another try; anything else will fail again.
    if (!result.portTaken) throw result.error;
  }
  throw last ?? new Error('moto_server could not be started');
}

/** An S3 client for a moto (or proxy) endpoint. moto accepts any credentials and ignores signatures. */
export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  });
}

export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const client = s3ClientFor(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

let bucketCounter = 0;

/**
 * A valid S3 bucket name (3-63 chars of [a-z0-9-], starting and ending alphanumeric) that is
 * unique per call, and very likely across processes thanks to the pid and random suffix.
 */
export function uniqueBucketName(prefix = 'dockside'): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  bucketCounter += 1;
  const suffix = [
    process.pid.toString(36),
    Date.now().toString(36),
    bucketCounter.toString(36),
    Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0'),
  ].join('-');
  return `${clean.length > 0 ? clean : 'b'}-${suffix}`;
}
