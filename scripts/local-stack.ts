/**
 * The local stack: moto_server standing in for AWS, the infrastructure template deployed on it
 * (CloudFormation, plus what moto leaves out set through the S3 API), and one or more backend
 * instances (with the promotion and cleanup jobs) as separate processes, exactly as deployed: each
 * runs the built backend (dist/backend/main.mjs, bundled once per process by buildBackend()), the
 * artifact the container image carries, not the TypeScript sources.
 *
 *   npm run local            starts it, writes .dockside-local/stack.env, runs until Ctrl-C
 *
 * `startLocalStack()` is also what the demo and the end-to-end tests use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildBackend, type BuiltBackend } from './build-backend.js';
import { deployStack, toBackendEnv, type DocksideStack } from '../backend/src/aws/stack-deployer.js';
import { createStaticToken } from '../backend/src/config.js';
import { freePort, startMoto, type MotoServer } from '../test/support/moto-server.js';

const ROOT = resolve(import.meta.dirname, '..');
let built: Promise<BuiltBackend> | undefined;
/** The backend bundle, built on first use in this process (so a stack never runs a stale one). */
export function builtBackend(): Promise<BuiltBackend> {
  built ??= buildBackend().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'dockside-local', AWS_SECRET_ACCESS_KEY: 'dockside-local' };

export interface LocalStackOptions {
  /** Backend instances to start, each on its own port (default 1). */
  readonly instances?: number;
  /** Extra environment for every backend instance (e.g. DOCKSIDE_CREDENTIAL_TTL_SECONDS). */
  readonly backendEnv?: Readonly<Record<string, string>>;
  /** Extra environment for moto (e.g. S3_UPLOAD_PART_MIN_SIZE). */
  readonly motoEnv?: Readonly<Record<string, string>>;
  /** Folder for backend logs and stack.env (default .dockside-local). */
  readonly dir?: string;
  /** The development user's name (default "dev"). */
  readonly user?: string;
}

export interface LocalStack {
  readonly motoEndpoint: string;
  readonly stack: DocksideStack;
  /** One URL per backend instance. */
  readonly backendUrls: readonly string[];
  /** A development sign-in token for `user` (static token, stored hashed in the backend's config). */
  readonly token: string;
  readonly user: string;
  /** The backend's environment (without secrets of ours: the token is only in stack.env). */
  readonly backendEnv: Readonly<Record<string, string>>;
  /** Environment for AWS SDK clients talking to the local stack (tests, checks). */
  readonly awsEnv: Readonly<Record<string, string>>;
  readonly stackEnvFile: string;
  stop(): Promise<void>;
}

/** Starts moto, deploys the template, starts the backend instance(s) and waits until they are ready. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dir = resolve(options.dir ?? join(ROOT, '.dockside-local'));
  mkdirSync(dir, { recursive: true });
  const user = options.user ?? 'dev';
  // Bundled while moto starts and the template deploys; awaited (and its failure reported) below.
  const backendBuild = builtBackend();
  backendBuild.catch(() => undefined);
  const moto: MotoServer = await startMoto(options.motoEnv ? { env: { ...options.motoEnv } } : {});
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await moto.stop();
  };
  try {
    const stack = await deployStack({
      stackName: 'dockside-local',
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    });
    const { token, entry } = createStaticToken(user);
    const backendEnv: Record<string, string> = {
      ...toBackendEnv(stack, { cleanupMaxAgeHours: 72 }),
      ...LOCAL_CREDENTIALS,
      DOCKSIDE_STATIC_TOKENS: JSON.stringify([entry]),
      DOCKSIDE_LOG_LEVEL: 'info',
      ...options.backendEnv,
    };
    const backend = await backendBuild;
    // As deployed: no loader and no NODE_OPTIONS (a parent run through tsx must not lend it tsx).
    const { NODE_OPTIONS: _parentOptions, ...parentEnv } = process.env;
    const backendUrls: string[] = [];
    for (let i = 0; i < (options.instances ?? 1); i++) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--enable-source-maps', backend.main], {
        cwd: ROOT,
        env: { ...parentEnv, ...backendEnv, DOCKSIDE_HOST: '127.0.0.1', DOCKSIDE_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const log = createWriteStream(join(dir, `backend-${i + 1}.log`));
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url, child);
      backendUrls.push(url);
    }
    const stackEnvFile = join(dir, 'stack.env');
    writeFileSync(
      stackEnvFile,
      [
        '# Written by `npm run local`: source it (set -a; . .dockside-local/stack.env; set +a) to use the local stack.',
        `DOCKSIDE_BACKEND_URL=${backendUrls[0]}`,
        `DOCKSIDE_TOKEN=${token}`,
        `AWS_ENDPOINT_URL=${moto.endpoint}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return {
      motoEndpoint: moto.endpoint,
      stack,
      backendUrls,
      token,
      user,
      backendEnv,
      awsEnv: { ...LOCAL_CREDENTIALS, AWS_REGION: 'us-east-1' },
      stackEnvFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the backend exited with ${child.exitCode} before it was ready; see its log in .dockside-local`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the backend at ${url} was not ready within 60 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

const isEntry = process.argv[1] !== undefined && /[\\/]scripts[\\/]local-stack\.ts$/.test(process.argv[1]);
if (isEntry) {
  process.stdout.write('Starting the local stack: moto_server, the Dockside template deployed on it, the backend with its jobs…\n');
  const local = await startLocalStack();
  process.stdout.write(
    [
      '',
      `  moto (AWS stand-in)  ${local.motoEndpoint}`,
      `  backend              ${local.backendUrls[0]}   (logs: .dockside-local/backend-1.log)`,
      `  dock bucket          ${local.stack.dockBucket}`,
      `  permanent bucket     ${local.stack.permanentBucket}`,
      `  settings             ${local.stackEnvFile}   (DOCKSIDE_BACKEND_URL, DOCKSIDE_TOKEN)`,
      '',
      'In another terminal:',
      '  set -a; . .dockside-local/stack.env; set +a',
      '  npm run dockside -- upload FILE        # through the backend',
      '  npm run dockside -- status             # uploading → docked → promoting → available',
      '',
      'Ctrl-C stops everything (moto keeps nothing: the next start is a fresh stack).',
      '',
    ].join('\n'),
  );
  const shutdown = () => void local.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
